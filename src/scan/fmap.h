/* fmap.h - read-only file mappings that survive the file shrinking under them.
 *
 * The scanner reads large plain files through a mapping instead of copying them with read().
 * A file can shrink while it is mapped (logrotate's copytruncate), and touching a mapped page
 * past the new end raises SIGBUS, which would kill the scan. While a mapping is open, a SIGBUS
 * on one of its pages is answered by mapping a page of zeros over that page and marking the
 * mapping shrunk; the read then goes on and sees zeros (the scanner skips lines with zero
 * bytes as binary, and reports the file as shrunk). A SIGBUS anywhere else gets the default
 * action.
 *
 * At most PI_FMAP_MAX mappings are open at once; pi_fmap_open refuses more (the caller reads
 * the file instead). Thread use: open and close from one thread; the data may be read from any
 * thread until close.
 */
#ifndef PI_SCAN_FMAP_H
#define PI_SCAN_FMAP_H

#include <stddef.h>

#include "core/error.h"

#define PI_FMAP_MAX 16
/* pi_fmap_release drops whole units of this size: a huge page (a PMD) on x86-64 and on arm64
 * with 4 KiB pages, so a huge page's entry is never split (see fmap.c) */
#define PI_FMAP_UNIT ((size_t)2 << 20)

struct pi_fmap {
	const char *data; /* len bytes of the file, read-only */
	size_t len;
	int slot;       /* in the signal handler's table */
	size_t dropped; /* bytes before this are released (pi_fmap_release) */
};

/* Maps the first len bytes (len > 0) of the regular file open on fd. PI_ERR_IO when the
 * mapping fails, PI_ERR_CONFLICT when PI_FMAP_MAX mappings are open; m is then untouched. */
pi_status pi_fmap_open(int fd, size_t len, struct pi_fmap *m);

/* 1 when a page past the file's end was read (zeros were given in its place). */
int pi_fmap_shrunk(const struct pi_fmap *m);

/* The bytes before offset end are not needed any more: the whole PI_FMAP_UNITs before it (all
 * the whole pages before it when end is the length) leave the process's memory (they stay in
 * the page cache). Offsets only grow from call to call. */
void pi_fmap_release(struct pi_fmap *m, size_t end);

/* Maps in the page tables for bytes [from, to) now (a thread that reads them later takes no
 * page faults); a no-op where the kernel cannot (before Linux 5.14). */
void pi_fmap_prefault(const struct pi_fmap *m, size_t from, size_t to);

/* Unmaps; m->data is NULL after. Safe on a mapping that never opened (data NULL). */
void pi_fmap_close(struct pi_fmap *m);

#endif
