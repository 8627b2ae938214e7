/* datadir.c - where the shipped data (regimes, taxonomy, warninglists) is found. */
#include "core/datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir_with_regimes(const char *dir)
{
	char path[1200];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/regimes", dir) >= (int)sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void pi_data_dir_default(char *out, size_t size)
{
	const char *env = getenv("POSTISAC_DATA_DIR");
	char exe[1024], cand[1200];
	ssize_t n;

	if (env && *env) {
		snprintf(out, size, "%s", env);
		return;
	}
	if (is_dir_with_regimes("data")) {
		snprintf(out, size, "data");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* build/X/src/cli/postisac -> source root */
			if (snprintf(cand, sizeof(cand), "%s/../../../../data", exe) <
			                (int)sizeof(cand) &&
			        is_dir_with_regimes(cand)) {
				snprintf(out, size, "%s", cand);
				return;
			}
			if (snprintf(cand, sizeof(cand), "%s/../share/postisac", exe) <
			                (int)sizeof(cand) &&
			        is_dir_with_regimes(cand)) {
				snprintf(out, size, "%s", cand);
				return;
			}
		}
	}
	snprintf(out, size, "/usr/share/postisac");
}
