/* libFuzzer target: the request-path parser (http/path.c) and the strict percent-decoder. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pi_path *path;
	struct pi_error err;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	path = malloc(sizeof(*path));
	if (path && pi_path_parse(text, path, &err) == PI_OK) {
		for (size_t i = 0; i < path->nseg; i++) {
			/* invariants: decoded segments are never dot segments and hold no separator */
			if (strcmp(path->seg[i], "..") == 0 || strchr(path->seg[i], '/'))
				abort();
		}
	}
	free(path);
	free(text);
	return 0;
}
