/* fmap.c - read-only file mappings that survive the file shrinking under them (see fmap.h).
 *
 * The handler's table: PI_FMAP_MAX slots of {base, len, shrunk}. A slot is claimed by a
 * compare-and-swap of base from 0 and filled (len with a release store) before the mapping is
 * handed out; closing stores len 0, then base 0. The handler reads len with an acquire load
 * and base after it, so it never sees a length without its base. The handler only reads the
 * table, calls mmap and stores the flag: all async-signal-safe in practice (mmap is a system
 * call). Each open makes sure it is the installed handler (a test harness or a library may
 * have installed its own since) and keeps the action it replaced: a SIGBUS outside the table
 * puts that action back and returns, so the faulting access runs again and meets it (the
 * default action ends the process, as it would have without fmap).
 *
 * Huge pages: the mapping is advised MADV_HUGEPAGE. A file the kernel reads from disk through
 * it is then cached in 2 MiB folios, and a cached 2 MiB folio is mapped with one page-table
 * entry instead of 512 (the kernel places a file mapping of 2 MiB or more on a 2 MiB boundary
 * itself, on ext4, xfs and tmpfs at least). For a 1 GB log, filling and clearing the page
 * tables took 0.12-0.23 s of CPU with small folios and 0.01-0.05 s with 2 MiB ones
 * (bench/RESULTS.md): with every core scanning, that time is taken from the scan. Releases go
 * by whole PI_FMAP_UNITs, so such an entry is dropped whole, not split. A file cached in small
 * folios (one just written by a logger) is mapped page by page, as before.
 */
#include "scan/fmap.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct slot {
	atomic_uintptr_t base;
	atomic_size_t len;
	atomic_int shrunk;
};

static struct slot table[PI_FMAP_MAX];
static pthread_mutex_t install_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction previous; /* what on_sigbus replaced */
static size_t page_size;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)uc;
	for (int i = 0; i < PI_FMAP_MAX; i++) {
		size_t len = atomic_load_explicit(&table[i].len, memory_order_acquire);
		uintptr_t base = atomic_load_explicit(&table[i].base, memory_order_relaxed);
		if (len && base && a >= base && a - base < len) {
			void *page = (void *)(a & ~(uintptr_t)(page_size - 1));
			if (mmap(page, page_size, PROT_READ,
			            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
				atomic_store_explicit(&table[i].shrunk, 1, memory_order_relaxed);
				return;
			}
			break;
		}
	}
	(void)sig;
	sigaction(SIGBUS, &previous, NULL);
}

static void install(void)
{
	struct sigaction sa, cur;

	pthread_mutex_lock(&install_mu);
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	if (sigaction(SIGBUS, NULL, &cur) != 0 || !(cur.sa_flags & SA_SIGINFO) ||
	        cur.sa_sigaction != on_sigbus) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, &previous);
	}
	pthread_mutex_unlock(&install_mu);
}

pi_status pi_fmap_open(int fd, size_t len, struct pi_fmap *m)
{
	void *p;
	int slot = -1;

	if (len == 0)
		return PI_ERR_INVALID;
	install();
	for (int i = 0; i < PI_FMAP_MAX && slot < 0; i++) {
		uintptr_t zero = 0;
		/* claim the slot: base 1 marks it taken (the handler skips it while len is 0);
		 * the mapping's address is stored before len */
		if (atomic_compare_exchange_strong(&table[i].base, &zero, (uintptr_t)1))
			slot = i;
	}
	if (slot < 0)
		return PI_ERR_CONFLICT;
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		atomic_store(&table[slot].base, 0);
		return PI_ERR_IO;
	}
	madvise(p, len, MADV_SEQUENTIAL);
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE); /* refused where the kernel has no huge pages: fine */
#endif
	atomic_store_explicit(&table[slot].shrunk, 0, memory_order_relaxed);
	atomic_store_explicit(&table[slot].base, (uintptr_t)p, memory_order_relaxed);
	atomic_store_explicit(&table[slot].len, len, memory_order_release);
	m->data = p;
	m->len = len;
	m->slot = slot;
	m->dropped = 0;
	return PI_OK;
}

int pi_fmap_shrunk(const struct pi_fmap *m)
{
	return m->data && atomic_load(&table[m->slot].shrunk);
}

void pi_fmap_release(struct pi_fmap *m, size_t end)
{
	size_t to;

	if (!m->data)
		return;
	if (end > m->len)
		end = m->len;
	/* whole units, so that a huge page's entry is dropped whole; the rest at the end */
	to = end == m->len ? end & ~(page_size - 1) : end & ~(PI_FMAP_UNIT - 1);
	if (to > m->dropped) {
		madvise((char *)(uintptr_t)m->data + m->dropped, to - m->dropped, MADV_DONTNEED);
		m->dropped = to;
	}
}

void pi_fmap_prefault(const struct pi_fmap *m, size_t from, size_t to)
{
#ifdef MADV_POPULATE_READ
	size_t a;

	if (!m->data || from >= to || from >= m->len)
		return;
	if (to > m->len)
		to = m->len;
	a = from & ~(page_size - 1);
	madvise((char *)(uintptr_t)m->data + a, to - a, MADV_POPULATE_READ);
#else
	(void)m;
	(void)from;
	(void)to;
#endif
}

void pi_fmap_close(struct pi_fmap *m)
{
	if (!m->data)
		return;
	atomic_store_explicit(&table[m->slot].len, 0, memory_order_release);
	atomic_store(&table[m->slot].base, 0);
	munmap((void *)(uintptr_t)m->data, m->len);
	m->data = NULL;
	m->len = 0;
}
