/* Unit tests for cases/case_attach.h: content checks of attachments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cases/case_attach.h"

/* A structurally valid 1x1 PNG (the CRCs are not checked by the hub). */
static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
        /* IHDR */ 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90,
        0x77, 0x53, 0xde,
        /* IDAT */ 0, 0, 0, 12, 'I', 'D', 'A', 'T', 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00,
        0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0,
        /* IEND */ 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};

static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00,
        0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01,
        0x00, 0x00, 0x3f, 0x00, 0x12, 0x34, 0xff, 0xd9};

static const char pdf[] = "%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

static pi_status check(const char *name, const char *type, const void *data, size_t len,
        const char **media, struct pi_error *err)
{
	return pi_attach_check(name, type, data, len, 1000, media, err);
}

static void accepts_each_type(void **state)
{
	struct pi_error err;
	const char *media = NULL;

	(void)state;
	assert_int_equal(check("a.png", "image/png", png, sizeof(png), &media, &err), PI_OK);
	assert_string_equal(media, "image/png");
	assert_int_equal(check("a.JPG", NULL, jpeg, sizeof(jpeg), &media, &err), PI_OK);
	assert_string_equal(media, "image/jpeg");
	assert_int_equal(check("b.jpeg", "image/jpg", jpeg, sizeof(jpeg), &media, &err), PI_OK);
	assert_int_equal(
	        check("r.pdf", "application/octet-stream", pdf, strlen(pdf), &media, &err), PI_OK);
	assert_string_equal(media, "application/pdf");
	assert_int_equal(check("n.txt", "text/plain; charset=utf-8", "caf\xc3\xa9\r\n\tok", 10,
	                         &media, &err),
	        PI_OK);
	assert_string_equal(media, "text/plain");
	assert_true(pi_attach_is_image("image/png"));
	assert_false(pi_attach_is_image("application/pdf"));
}

static void refuses_bad_names(void **state)
{
	static const char *const names[] = {"../a.txt", "a/b.txt", "a\\b.txt", ".hidden.txt", "..",
	        "C:x.txt", "a\"b.txt", "a;b.txt", "a\nb.txt", "", "bad\xff.txt", NULL};
	struct pi_error err;
	const char *media = (const char *)1;

	(void)state;
	for (size_t i = 0; names[i]; i++) {
		assert_int_equal(check(names[i], NULL, "hi", 2, &media, &err), PI_ERR_INVALID);
		assert_null(media);
	}
	assert_int_equal(check(NULL, NULL, "hi", 2, &media, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "filename"));
	{
		char longname[260];
		memset(longname, 'a', sizeof(longname) - 5);
		memcpy(longname + sizeof(longname) - 5, ".txt", 5);
		assert_int_equal(check(longname, NULL, "hi", 2, &media, &err), PI_ERR_INVALID);
	}
}

static void refuses_bad_content(void **state)
{
	unsigned char buf[sizeof(png) + 8];
	struct pi_error err;
	const char *media = NULL;

	(void)state;
	/* unknown binary */
	assert_int_equal(check("x.txt", NULL, "MZ\x90\x00", 4, &media, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "unsupported"));
	/* truncated PNG, trailing data, IHDR not first */
	assert_int_equal(check("a.png", NULL, png, sizeof(png) - 12, &media, &err), PI_ERR_INVALID);
	memcpy(buf, png, sizeof(png));
	memcpy(buf + sizeof(png), "trailing", 8);
	assert_int_equal(check("a.png", NULL, buf, sizeof(buf), &media, &err), PI_ERR_INVALID);
	memcpy(buf, png, sizeof(png));
	memcpy(buf + 12, "IDAT", 4);
	assert_int_equal(check("a.png", NULL, buf, sizeof(png), &media, &err), PI_ERR_INVALID);
	/* zero width */
	memcpy(buf, png, sizeof(png));
	memset(buf + 16, 0, 4);
	assert_int_equal(check("a.png", NULL, buf, sizeof(png), &media, &err), PI_ERR_INVALID);
	/* JPEG without EOI, with a segment length past the end */
	assert_int_equal(
	        check("a.jpg", NULL, jpeg, sizeof(jpeg) - 2, &media, &err), PI_ERR_INVALID);
	memcpy(buf, jpeg, sizeof(jpeg));
	buf[5] = 0xf0;
	assert_int_equal(check("a.jpg", NULL, buf, sizeof(jpeg), &media, &err), PI_ERR_INVALID);
	/* PDF without %%EOF */
	assert_int_equal(
	        check("a.pdf", NULL, "%PDF-1.4\n1 0 obj\n", 17, &media, &err), PI_ERR_INVALID);
	/* text with NUL or control characters, invalid UTF-8, overlong */
	assert_int_equal(check("a.txt", NULL, "a\0b", 3, &media, &err), PI_ERR_INVALID);
	assert_int_equal(check("a.txt", NULL, "a\x1b[31m", 6, &media, &err), PI_ERR_INVALID);
	assert_int_equal(check("a.txt", NULL, "\xc0\xaf", 2, &media, &err), PI_ERR_INVALID);
	assert_int_equal(check("a.txt", NULL, "\xed\xa0\x80", 3, &media, &err), PI_ERR_INVALID);
	/* empty and too big */
	assert_int_equal(check("a.txt", NULL, "", 0, &media, &err), PI_ERR_INVALID);
	assert_int_equal(
	        pi_attach_check("a.txt", NULL, "hello", 5, 4, &media, &err), PI_ERR_TOOBIG);
	assert_non_null(strstr(err.message, "limit of 4 bytes"));
}

static void refuses_mismatches(void **state)
{
	struct pi_error err;
	const char *media = NULL;

	(void)state;
	assert_int_equal(
	        check("a.png", "application/pdf", png, sizeof(png), &media, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "declared type"));
	assert_int_equal(check("a.txt", NULL, png, sizeof(png), &media, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "extension"));
	assert_int_equal(check("a.pdf", NULL, "plain", 5, &media, &err), PI_ERR_INVALID);
	assert_int_equal(check("noext", NULL, "plain", 5, &media, &err), PI_ERR_INVALID);
	assert_int_equal(check("a.png.exe", NULL, png, sizeof(png), &media, &err), PI_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(accepts_each_type),
	        cmocka_unit_test(refuses_bad_names),
	        cmocka_unit_test(refuses_bad_content),
	        cmocka_unit_test(refuses_mismatches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
