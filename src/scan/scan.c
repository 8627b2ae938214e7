/* scan.c - the scanning pipeline (see scan.h for the design).
 *
 * Chunk slots cycle FREE -> FILLED (producer) -> TAKEN (a worker) -> DONE (worker) -> FREE
 * (writer, after writing its hits). Slots are used in ring order; next_fill, next_take and
 * next_write only grow, next_write <= next_take <= next_fill <= next_write + nslots. One
 * mutex guards the counters and states; data of a slot belongs to whoever holds its state.
 *
 * Inputs: struct input reads one file (plain, gzip or zstd) into a chunk; the carry buffer
 * holds the partial last line between chunks. A line longer than PI_SCAN_MAX_LINE is dropped
 * while reading ("discarding" until its newline) and counted.
 *
 * Mapped inputs: a plain regular file of at least MAP_MIN bytes, when not following, is
 * mapped (fmap.h) and its chunks point into the mapping instead of being copied: the producer
 * only looks for the last newline of each PI_SCAN_CHUNK window. The last window (under
 * PI_SCAN_CHUNK + PI_SCAN_LINE_PAD bytes from the end, so every line has its padding inside the
 * mapping) and a window without a newline are read with read() from that offset on. The
 * writer releases a chunk's pages once its hits are written; the mapping itself lives until
 * the run ends, since chunks of a closed input may still be in flight. A file that shrank
 * under its mapping gives zeros and is reported as failed.
 */
#include "scan/scan.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/timeutil.h"
#include "scan/fmap.h"

#define INBUF (256u * 1024)
#define BATCH_OBS 512
#define BATCH_ARENA (256u * 1024)
#define OUT_BUF (1u << 20)
#define MAX_ZEEK_MAPS 64
/* how far ahead of the line being read its chunk is fetched into the cache (a mapped chunk is
 * not in the cache yet; measured: 2048 beats 512, 1024 and 4096 by a little) */
#define PREFETCH_BYTES 2048
/* smaller plain files are read, not mapped */
#define MAP_MIN (2 * PI_SCAN_CHUNK)

enum { SLOT_FREE = 0, SLOT_FILLED, SLOT_TAKEN, SLOT_DONE };
enum { COMP_NONE = 0, COMP_GZIP, COMP_ZSTD };

struct mref {
	pi_scan_set *set;
	pi_scan_matcher *m;
	int refs;
};

struct input {
	const char *path;
	int fd;
	int comp;
	int eof;      /* no more bytes now (follow: until the file grows) */
	int finished; /* nothing more, ever */
	int failed;
	int started; /* the first chunk was made (format known) */
	ino_t ino;
	dev_t dev;
	off_t pos; /* bytes read from the raw file (follow) */
	z_stream z;
	int z_ready;
	ZSTD_DStream *zs;
	unsigned char *in;
	size_t in_len, in_pos;
	int raw_eof;
	char *carry;
	size_t carry_len;
	int discarding;
	int flush; /* follow: the file is being replaced; its partial last line ends */
	enum pi_scan_format format;
	pi_scan_zeek *zeek[MAX_ZEEK_MAPS];
	size_t nzeek;
	uint64_t lines_written; /* writer: lines before the next chunk to write */
	struct pi_fmap map;     /* data NULL when not mapped */
	int mapped;             /* chunks still come from map (else from read()) */
	size_t map_pos;         /* next byte of map to hand out */
};

struct hit {
	uint32_t line; /* index of the line in the chunk */
	uint32_t line_off, line_len;
	uint32_t obs_off; /* in arena */
	uint32_t value;   /* set value index */
	uint8_t kind;
	uint8_t parent; /* matched a parent domain */
};

struct chunk {
	const char *buf; /* own, or the input's mapping */
	char *own;       /* the chunk's read buffer */
	size_t len;
	struct input *in;
	struct mref *mref;
	enum pi_scan_format format;
	const pi_scan_zeek *zeek;
	uint64_t trail_lines; /* dropped over-long line after the content */
	uint64_t trail_long;
	int state;
	/* results */
	struct hit *hits;
	size_t nhits, hits_alloc;
	char *arena;
	size_t arena_len, arena_alloc;
	uint64_t lines, skipped_long, skipped_binary, corrupt;
	int nomem;
} __attribute__((aligned(64)));

struct line_ref {
	uint32_t line, off, len;
};

struct worker {
	pi_scan *s;
	pthread_t tid;
	int started;
	struct pi_scan_xctx x;
	pi_scan_mthread *mt;
	const pi_scan_matcher *mt_for;
	/* the batch being filled */
	struct pi_scan_mobs obs[BATCH_OBS];
	uint32_t obs_line[BATCH_OBS];
	size_t nobs;
	char arena[BATCH_ARENA];
	size_t arena_len;
	struct line_ref lines[BATCH_OBS];
	size_t nlines;
	size_t line_obs_start; /* first obs of the current line in this batch */
	int line_registered;
	struct line_ref cur;
	struct chunk *c;
} __attribute__((aligned(64)));

struct pi_scan {
	struct pi_scan_options opt;
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	struct chunk *slots;
	size_t nslots;
	uint64_t next_fill, next_take, next_write;
	int quit;
	struct mref *current;
	struct worker *workers;
	/* writer */
	char *out;
	size_t out_len;
	int out_failed;
	struct pi_scan_totals totals;
	int64_t started_us, last_progress_us, last_tick_us;
	int progress_shown;
};

/* ---- matcher references ---- */

static void mref_release(pi_scan *s, struct mref *r)
{
	int last;

	if (!r)
		return;
	pthread_mutex_lock(&s->mu);
	last = --r->refs == 0;
	pthread_mutex_unlock(&s->mu);
	if (last) {
		pi_scan_matcher_free(r->m);
		pi_scan_set_free(r->set);
		free(r);
	}
}

void pi_scan_publish(pi_scan *s, pi_scan_set *set, pi_scan_matcher *m)
{
	struct mref *r = calloc(1, sizeof(*r)), *old;

	if (!r) {
		pi_scan_matcher_free(m);
		pi_scan_set_free(set);
		return;
	}
	r->set = set;
	r->m = m;
	r->refs = 1;
	pthread_mutex_lock(&s->mu);
	old = s->current;
	s->current = r;
	pthread_mutex_unlock(&s->mu);
	mref_release(s, old);
}

/* ---- JSON output ---- */

size_t pi_scan_json_string(const char *str, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0;

	if (cap < 2)
		return 0;
	out[o++] = '"';
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		if (o + 8 >= cap)
			return 0;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'u';
			out[o++] = '0';
			out[o++] = '0';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
			i++;
		} else if (c < 0x80) {
			out[o++] = (char)c;
			i++;
		} else {
			size_t need = c >= 0xC2 && c <= 0xDF   ? 1
			              : c >= 0xE0 && c <= 0xEF ? 2
			              : c >= 0xF0 && c <= 0xF4 ? 3
			                                       : 0;
			int ok = need > 0;
			unsigned cp = c & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
			for (size_t k = 1; ok && k <= need; k++) {
				if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
					ok = 0;
				else
					cp = cp << 6 | (s[i + k] & 0x3F);
			}
			if (ok && ((need == 2 && cp < 0x800) ||
			                  (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
			                  (cp >= 0xD800 && cp <= 0xDFFF)))
				ok = 0;
			if (ok) {
				memcpy(out + o, s + i, need + 1);
				o += need + 1;
				i += need + 1;
			} else {
				memcpy(out + o, "\xEF\xBF\xBD", 3);
				o += 3;
				i++;
			}
		}
	}
	if (o + 1 >= cap)
		return 0;
	out[o++] = '"';
	return o;
}

static void out_flush(pi_scan *s)
{
	if (s->out_len && s->opt.out && !s->out_failed) {
		if (fwrite(s->out, 1, s->out_len, s->opt.out) != s->out_len ||
		        fflush(s->opt.out) != 0)
			s->out_failed = 1;
	}
	s->out_len = 0;
}

static void out_put(pi_scan *s, const char *d, size_t n)
{
	if (s->out_len + n > OUT_BUF)
		out_flush(s);
	if (n > OUT_BUF) {
		if (s->opt.out && fwrite(d, 1, n, s->opt.out) != n)
			s->out_failed = 1;
		return;
	}
	memcpy(s->out + s->out_len, d, n);
	s->out_len += n;
}

static void out_json(pi_scan *s, const char *key, const char *v, size_t n)
{
	size_t cap = n * 6 + 16, len;
	char small[4096], *tmp = cap <= sizeof(small) ? small : malloc(cap);

	if (!tmp)
		return;
	out_put(s, key, strlen(key));
	len = pi_scan_json_string(v, n, tmp, cap);
	out_put(s, tmp, len);
	if (tmp != small)
		free(tmp);
}

static void write_hit(pi_scan *s, const struct pi_scan_hit *h)
{
	char num[160], stamp[PI_TIME_TEXT_LEN];
	int n;

	pi_time_format_us(h->time_us, stamp);
	out_json(s, "{\"time\":", stamp, strlen(stamp));
	out_json(s, ",\"file\":", h->file, strlen(h->file));
	n = snprintf(num, sizeof(num), ",\"line_number\":%llu,\"kind\":\"%s\"",
	        (unsigned long long)h->line_number, pi_observable_kind_name(h->kind));
	if (n > 0 && (size_t)n < sizeof(num))
		out_put(s, num, (size_t)n);
	out_json(s, ",\"observable\":", h->observable, strlen(h->observable));
	out_json(s, ",\"matched\":", h->matched, strlen(h->matched));
	out_json(s, ",\"match\":", h->match, strlen(h->match));
	if (h->indicator.id[0])
		out_json(s, ",\"indicator\":", h->indicator.id, strlen(h->indicator.id));
	else
		out_put(s, ",\"indicator\":null", 17);
	out_json(s, ",\"tlp\":", pi_tlp_name(h->indicator.tlp),
	        strlen(pi_tlp_name(h->indicator.tlp)));
	out_put(s, ",\"labels\":", 10);
	out_put(s, h->indicator.labels, strlen(h->indicator.labels));
	if (h->indicator.confidence >= 0) {
		n = snprintf(num, sizeof(num), ",\"confidence\":%d", h->indicator.confidence);
		if (n > 0 && (size_t)n < sizeof(num))
			out_put(s, num, (size_t)n);
	}
	out_json(s, ",\"source\":", h->indicator.source, strlen(h->indicator.source));
	if (!s->opt.no_line)
		out_json(s, ",\"line\":", h->line, h->line_len);
	out_put(s, "}\n", 2);
}

/* ---- inputs ---- */

static void input_close(struct input *in)
{
	if (in->fd > 0)
		close(in->fd);
	in->fd = -1;
	if (in->z_ready)
		inflateEnd(&in->z);
	in->z_ready = 0;
	ZSTD_freeDStream(in->zs);
	in->zs = NULL;
}

static int input_open(struct input *in)
{
	struct stat sb;

	in->fd = strcmp(in->path, "-") == 0 ? 0 : open(in->path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return -1;
	if (fstat(in->fd, &sb) == 0) {
		in->ino = sb.st_ino;
		in->dev = sb.st_dev;
	}
	in->pos = 0;
	in->in_len = in->in_pos = 0;
	in->raw_eof = 0;
	in->comp = COMP_NONE;
	in->eof = 0;
	return 0;
}

/* Reads raw bytes into in->in (compressed inputs). */
static int fill_raw(struct input *in)
{
	ssize_t r;

	if (in->in_pos < in->in_len || in->raw_eof)
		return 0;
	do
		r = read(in->fd, in->in, INBUF);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (r == 0)
		in->raw_eof = 1;
	in->in_len = (size_t)r;
	in->in_pos = 0;
	return 0;
}

/* Reads up to cap bytes of content into dst; 0 when nothing more has arrived yet (with
 * --follow more may come later), -1 on error. */
static ssize_t input_read(struct input *in, char *dst, size_t cap)
{
	if (in->comp == COMP_NONE) {
		ssize_t r;
		if (in->in_pos < in->in_len) { /* bytes peeked at open */
			size_t n = in->in_len - in->in_pos;
			if (n > cap)
				n = cap;
			memcpy(dst, in->in + in->in_pos, n);
			in->in_pos += n;
			return (ssize_t)n;
		}
		do
			r = read(in->fd, dst, cap);
		while (r < 0 && errno == EINTR);
		if (r > 0)
			in->pos += r;
		return r;
	}
	for (;;) {
		if (fill_raw(in) < 0)
			return -1;
		if (in->comp == COMP_GZIP) {
			int rc;
			in->z.next_in = in->in + in->in_pos;
			in->z.avail_in = (unsigned)(in->in_len - in->in_pos);
			in->z.next_out = (Bytef *)dst;
			in->z.avail_out = (unsigned)(cap > (1u << 30) ? (1u << 30) : cap);
			rc = inflate(&in->z, Z_NO_FLUSH);
			in->in_pos = (size_t)(in->z.next_in - in->in);
			if (rc == Z_STREAM_END) {
				/* concatenated members: start again if more input follows */
				if (inflateReset(&in->z) != Z_OK)
					return -1;
			} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
				errno = EILSEQ;
				return -1;
			}
			if ((size_t)((char *)in->z.next_out - dst) > 0)
				return (char *)in->z.next_out - dst;
			if (in->raw_eof && in->in_pos >= in->in_len)
				return 0;
		} else {
			ZSTD_inBuffer ib = {in->in, in->in_len, in->in_pos};
			ZSTD_outBuffer ob = {dst, cap, 0};
			size_t rc = ZSTD_decompressStream(in->zs, &ob, &ib);
			in->in_pos = ib.pos;
			if (ZSTD_isError(rc)) {
				errno = EILSEQ;
				return -1;
			}
			if (ob.pos > 0)
				return (ssize_t)ob.pos;
			if (in->raw_eof && in->in_pos >= in->in_len)
				return 0;
		}
	}
}

/* Looks at the first bytes to choose the decoder. */
static int input_start(struct input *in)
{
	if (fill_raw(in) < 0)
		return -1;
	if (in->in_len >= 2 && in->in[0] == 0x1f && in->in[1] == 0x8b) {
		memset(&in->z, 0, sizeof(in->z));
		if (inflateInit2(&in->z, 15 + 32) != Z_OK)
			return -1;
		in->z_ready = 1;
		in->comp = COMP_GZIP;
	} else if (in->in_len >= 4 && memcmp(in->in, "\x28\xb5\x2f\xfd", 4) == 0) {
		if (!(in->zs = ZSTD_createDStream()))
			return -1;
		ZSTD_initDStream(in->zs);
		in->comp = COMP_ZSTD;
	} else {
		in->pos = (off_t)in->in_len;
	}
	return 0;
}

/* The last '\n' in p[0..n), or NULL (memrchr is a GNU extension). Log lines are short, so
 * the walk back is too. */
static const char *last_newline(const char *p, size_t n)
{
	while (n > 0)
		if (p[--n] == '\n')
			return p + n;
	return NULL;
}

/* A chunk of a mapped input: the next PI_SCAN_CHUNK bytes of the mapping up to their last
 * newline. Returns 1 if c holds one; 0 when the mapping's part is over (the end is near, or
 * the window has no newline): the input then reads with read() from where the mapping
 * stopped. */
static int produce_mapped(pi_scan *s, struct input *in, struct chunk *c)
{
	const char *start = in->map.data + in->map_pos, *nl;

	if (in->map.len - in->map_pos >= PI_SCAN_CHUNK + PI_SCAN_LINE_PAD &&
	        (nl = last_newline(start, PI_SCAN_CHUNK)) != NULL) {
		c->buf = start;
		c->len = (size_t)(nl - start) + 1;
		/* the page tables are filled here, not by page faults in the worker */
		pi_fmap_prefault(&in->map, in->map_pos, in->map_pos + c->len + PI_SCAN_LINE_PAD);
		in->map_pos += c->len;
		s->totals.bytes += c->len;
		return 1;
	}
	in->mapped = 0;
	if (lseek(in->fd, (off_t)in->map_pos, SEEK_SET) < 0) {
		fprintf(stderr, "postisac scan: %s: %s\n", in->path, strerror(errno));
		in->failed = 1;
		in->finished = 1;
	}
	return 0;
}

/* Maps in (a plain regular file of at least MAP_MIN bytes, just opened and started): its
 * chunks come from the mapping from its first byte (the bytes input_start peeked at are read
 * again from it). Otherwise, or when mapping fails, in is read as before. */
static void input_map(struct input *in)
{
	struct stat sb;

	if (in->comp != COMP_NONE || in->fd <= 0 || fstat(in->fd, &sb) != 0 ||
	        !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < MAP_MIN ||
	        (uint64_t)sb.st_size > SIZE_MAX)
		return;
	if (pi_fmap_open(in->fd, (size_t)sb.st_size, &in->map) != PI_OK)
		return;
	in->mapped = 1;
	in->map_pos = 0;
	in->in_pos = in->in_len; /* the peeked bytes come from the mapping */
}

/* Fills chunk c from in: at most PI_SCAN_CHUNK new bytes, cut after the last newline. */
static int produce(pi_scan *s, struct input *in, struct chunk *c)
{
	size_t cap = PI_SCAN_CHUNK + PI_SCAN_MAX_LINE + 1;
	int final = in->flush;
	char *b = c->own;

	c->buf = c->own;
	c->len = 0;
	c->trail_lines = c->trail_long = 0;
	if (in->mapped && produce_mapped(s, in, c))
		return 0;
	if (in->carry_len) {
		memcpy(b, in->carry, in->carry_len);
		c->len = in->carry_len;
		in->carry_len = 0;
	}
	while (c->len < PI_SCAN_CHUNK) {
		ssize_t r = input_read(in, b + c->len, cap - 1 - c->len);
		if (r < 0) {
			fprintf(stderr, "postisac scan: %s: %s\n", in->path, strerror(errno));
			in->failed = 1;
			final = 1;
			break;
		}
		if (r == 0) {
			in->eof = 1;
			if (!s->opt.follow || strcmp(in->path, "-") == 0 || in->comp != COMP_NONE)
				final = 1;
			break;
		}
		c->len += (size_t)r;
		s->totals.bytes += (uint64_t)r;
		in->eof = 0;
	}
	if (in->discarding) {
		char *nl = memchr(b, '\n', c->len);
		if (!nl) {
			c->len = 0;
			if (final)
				in->discarding = 0;
		} else {
			size_t drop = (size_t)(nl - b) + 1;
			memmove(b, b + drop, c->len - drop);
			c->len -= drop;
			in->discarding = 0;
		}
	}
	if (!final) {
		size_t keep = c->len;
		while (keep > 0 && b[keep - 1] != '\n')
			keep--;
		size_t tail = c->len - keep;
		if (tail > PI_SCAN_MAX_LINE) {
			in->discarding = 1;
			c->trail_lines = c->trail_long = 1;
		} else if (tail) {
			memcpy(in->carry, b + keep, tail);
			in->carry_len = tail;
		}
		c->len = keep;
	}
	if (final && !in->flush)
		in->finished = 1;
	return 0;
}

/* ---- workers ---- */

static void on_obs(void *arg, const struct pi_scan_obs *o)
{
	struct worker *w = arg;
	struct pi_scan_mobs *m;

	if (o->len > UINT32_MAX - 1)
		return;
	/* the same value twice in one line counts once */
	for (size_t i = w->line_obs_start; i < w->nobs; i++)
		if (w->obs[i].kind == o->kind && w->obs[i].len == o->len &&
		        memcmp(w->obs[i].value, o->value, o->len) == 0)
			return;
	if (w->nobs == BATCH_OBS || w->arena_len + o->len + 1 + PI_SCAN_OBS_PAD > BATCH_ARENA)
		return; /* batch full: the caller flushes between lines; extra values of one huge
		           line are dropped */
	if (!w->line_registered) {
		w->lines[w->nlines++] = w->cur;
		w->line_registered = 1;
	}
	m = &w->obs[w->nobs];
	if (o->len <
	        PI_SCAN_OBS_PAD) /* fixed-size moves: no branch on the length (see lineobs.h) */
		memcpy(w->arena + w->arena_len, o->value, PI_SCAN_OBS_PAD);
	else
		memcpy(w->arena + w->arena_len, o->value, o->len);
	w->arena[w->arena_len + o->len] = '\0';
	m->value = w->arena + w->arena_len;
	m->len = (uint32_t)o->len;
	m->kind = (uint8_t)o->kind;
	memcpy(m->addr, o->addr, 16);
	w->obs_line[w->nobs] = (uint32_t)(w->nlines - 1);
	w->arena_len += o->len + 1;
	w->nobs++;
}

static int chunk_arena_add(struct chunk *c, const char *v, size_t n, uint32_t *off)
{
	if (c->arena_len + n + 1 > c->arena_alloc) {
		size_t na = c->arena_alloc ? c->arena_alloc * 2 : 65536;
		char *p;
		while (na < c->arena_len + n + 1)
			na *= 2;
		if (na > UINT32_MAX || !(p = realloc(c->arena, na)))
			return -1;
		c->arena = p;
		c->arena_alloc = na;
	}
	memcpy(c->arena + c->arena_len, v, n);
	c->arena[c->arena_len + n] = '\0';
	*off = (uint32_t)c->arena_len;
	c->arena_len += n + 1;
	return 0;
}

static void on_match(void *arg, size_t obs, uint32_t value)
{
	struct worker *w = arg;
	struct chunk *c = w->c;
	const struct line_ref *l = &w->lines[w->obs_line[obs]];
	const struct pi_scan_mobs *o = &w->obs[obs];
	const pi_scan_set *set = c->mref->set;
	struct pi_scan_value v;
	struct hit *h;

	pi_scan_set_value(set, value, &v);
	/* one hit per line, observable and indicator */
	for (size_t i = c->nhits; i > 0; i--) {
		const struct hit *p = &c->hits[i - 1];
		struct pi_scan_value pv;
		if (p->line != l->line)
			break;
		pi_scan_set_value(set, p->value, &pv);
		if (pv.indicator == v.indicator && p->kind == o->kind &&
		        strcmp(c->arena + p->obs_off, o->value) == 0)
			return;
	}
	if (c->nhits == c->hits_alloc) {
		size_t na = c->hits_alloc ? c->hits_alloc * 2 : 256;
		struct hit *p = realloc(c->hits, na * sizeof(*p));
		if (!p) {
			c->nomem = 1;
			return;
		}
		c->hits = p;
		c->hits_alloc = na;
	}
	h = &c->hits[c->nhits];
	if (chunk_arena_add(c, o->value, o->len, &h->obs_off) < 0) {
		c->nomem = 1;
		return;
	}
	h->line = l->line;
	h->line_off = l->off;
	h->line_len = l->len;
	h->value = value;
	h->kind = o->kind;
	h->parent = v.op == PI_SCAN_OP_EQ && o->kind == PI_OBSERVABLE_DOMAIN && v.len != o->len;
	c->nhits++;
}

static void flush_batch(struct worker *w)
{
	if (w->nobs)
		pi_scan_match_batch(w->c->mref->m, w->mt, w->obs, w->nobs, on_match, w);
	w->nobs = 0;
	w->arena_len = 0;
	w->nlines = 0;
	w->line_obs_start = 0;
	w->line_registered = 0;
}

/* The end of the line at p (its '\n', or end), in one pass that also tells whether the line
 * holds a zero byte (*nul; a binary blob, skipped). */
static const char *line_end(const char *p, const char *end, int *nul)
{
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned nlm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf));
		unsigned zm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero));
		if (nlm) {
			unsigned at = (unsigned)__builtin_ctz(nlm);
			if (zm & ((1u << at) - 1))
				*nul = 1;
			return p + at;
		}
		if (zm)
			*nul = 1;
		p += 16;
	}
#endif
	for (; p < end; p++) {
		if (*p == '\n')
			return p;
		if (*p == '\0')
			*nul = 1;
	}
	return end;
}

static void process_chunk(struct worker *w, struct chunk *c)
{
	const char *p = c->buf, *end = c->buf + c->len;
	uint32_t line = 0;

	w->c = c;
	c->nhits = 0;
	c->arena_len = 0;
	c->lines = c->skipped_long = c->skipped_binary = c->corrupt = 0;
	c->nomem = 0;
	if (w->mt_for != c->mref->m) {
		pi_scan_mthread_free(w->mt);
		w->mt = NULL;
		w->mt_for = NULL;
		if (pi_scan_mthread_new(c->mref->m, &w->mt) != PI_OK) {
			c->nomem = 1;
			return;
		}
		w->mt_for = c->mref->m;
		/* the extractor drops addresses in /16s no key or range of it covers */
		w->x.ip4_filter = pi_scan_match_ip4_filter(w->mt_for);
	}
	w->x.zeek = c->zeek;
	while (p < end) {
		int nul = 0;
		const char *nl;
		__builtin_prefetch(p + PREFETCH_BYTES);
		nl = line_end(p, end, &nul);
		size_t n = (size_t)(nl - p);
		const char *next = nl < end ? nl + 1 : end;
		size_t len = n;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > PI_SCAN_MAX_LINE) {
			c->skipped_long++;
		} else if (nul) {
			c->skipped_binary++;
		} else if (len > 0) {
			if (w->nobs + 64 > BATCH_OBS || w->arena_len + 65536 > BATCH_ARENA)
				flush_batch(w);
			w->cur.line = line;
			w->cur.off = (uint32_t)(p - c->buf);
			w->cur.len = (uint32_t)len;
			w->line_obs_start = w->nobs;
			w->line_registered = 0;
			if (pi_scan_extract_line(&w->x, c->format, p, len) < 0) {
				c->corrupt++;
				w->nobs = w->line_obs_start; /* nothing from a corrupt line */
				if (w->line_registered)
					w->nlines--;
			}
		}
		line++;
		p = next;
	}
	flush_batch(w);
	c->lines = line;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pi_scan *s = w->s;

	for (;;) {
		struct chunk *c;
		pthread_mutex_lock(&s->mu);
		while (s->next_take == s->next_fill && !s->quit)
			pthread_cond_wait(&s->work_cv, &s->mu);
		if (s->next_take == s->next_fill && s->quit) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		c = &s->slots[s->next_take++ % s->nslots];
		c->state = SLOT_TAKEN;
		pthread_mutex_unlock(&s->mu);
		process_chunk(w, c);
		pthread_mutex_lock(&s->mu);
		c->state = SLOT_DONE;
		pthread_cond_broadcast(&s->done_cv);
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

/* ---- the writer ---- */

static void progress(pi_scan *s, int final)
{
	int64_t now = pi_time_now_us();
	double secs;

	if (!s->opt.progress || (!final && now - s->last_progress_us < 500000))
		return;
	if (final && !s->progress_shown)
		return;
	s->last_progress_us = now;
	secs = (double)(now - s->started_us) / 1e6;
	fprintf(stderr, "\r\033[Kpostisac scan: %.1f MB, %llu lines, %.0f lines/s, %llu hits%s",
	        (double)s->totals.bytes / 1e6, (unsigned long long)s->totals.lines,
	        secs > 0 ? (double)s->totals.lines / secs : 0.0, (unsigned long long)s->totals.hits,
	        final ? "\n" : "");
	s->progress_shown = 1;
}

static void write_chunk(pi_scan *s, struct chunk *c)
{
	struct input *in = c->in;
	const pi_scan_set *set = c->mref->set;
	struct pi_scan_hit h;
	int64_t now = pi_time_now_us();

	if (c->nomem)
		fprintf(stderr, "postisac scan: %s: out of memory recording hits; some were lost\n",
		        in->path);
	for (size_t i = 0; i < c->nhits; i++) {
		const struct hit *x = &c->hits[i];
		struct pi_scan_value v;
		pi_scan_set_value(set, x->value, &v);
		memset(&h, 0, sizeof(h));
		h.time_us = now;
		h.file = in->path;
		h.line_number = in->lines_written + x->line + 1;
		h.line = c->buf + x->line_off;
		h.line_len = x->line_len;
		h.kind = (enum pi_observable_kind)x->kind;
		h.observable = c->arena + x->obs_off;
		h.matched = v.value;
		h.match = v.op == PI_SCAN_OP_LIKE                                      ? "like"
		          : v.op == PI_SCAN_OP_MATCHES                                 ? "matches"
		          : x->parent                                                  ? "parent"
		          : memchr(v.value, '/', v.len) && v.kind != PI_OBSERVABLE_URL ? "range"
		                                                                       : "exact";
		pi_scan_set_indicator(set, v.indicator, &h.indicator);
		if (s->opt.out)
			write_hit(s, &h);
		if (s->opt.on_hit)
			s->opt.on_hit(s->opt.arg, &h);
		s->totals.hits++;
	}
	in->lines_written += c->lines + c->trail_lines;
	/* the hits are in the output buffer: a mapped chunk's pages are done with (chunks are
	 * written in input order, so every page before its end is) */
	if (c->buf != c->own) /* it points into the input's mapping */
		pi_fmap_release(&in->map, (size_t)(c->buf + c->len - in->map.data));
	s->totals.lines += c->lines + c->trail_lines;
	s->totals.skipped_long += c->skipped_long + c->trail_long;
	s->totals.skipped_binary += c->skipped_binary;
	s->totals.corrupt += c->corrupt;
	out_flush(s);
	progress(s, 0);
	if (s->opt.on_tick && now - s->last_tick_us >= 1000000) {
		s->last_tick_us = now;
		s->opt.on_tick(s->opt.arg);
	}
}

/* Writes every chunk that is done, in order; with wait, blocks for at least one. */
static void drain(pi_scan *s, int wait)
{
	for (;;) {
		struct chunk *c;
		pthread_mutex_lock(&s->mu);
		if (s->next_write == s->next_fill) {
			pthread_mutex_unlock(&s->mu);
			return;
		}
		c = &s->slots[s->next_write % s->nslots];
		while (wait && c->state != SLOT_DONE)
			pthread_cond_wait(&s->done_cv, &s->mu);
		if (c->state != SLOT_DONE) {
			pthread_mutex_unlock(&s->mu);
			return;
		}
		pthread_mutex_unlock(&s->mu);
		write_chunk(s, c);
		mref_release(s, c->mref);
		c->mref = NULL;
		pthread_mutex_lock(&s->mu);
		c->state = SLOT_FREE;
		s->next_write++;
		pthread_mutex_unlock(&s->mu);
		wait = 0;
	}
}

static void dispatch(pi_scan *s, struct chunk *c)
{
	pthread_mutex_lock(&s->mu);
	c->mref = s->current;
	c->mref->refs++;
	c->state = SLOT_FILLED;
	s->next_fill++;
	pthread_cond_signal(&s->work_cv);
	pthread_mutex_unlock(&s->mu);
}

static struct chunk *free_slot(pi_scan *s)
{
	for (;;) {
		struct chunk *c;
		pthread_mutex_lock(&s->mu);
		c = &s->slots[s->next_fill % s->nslots];
		if (s->next_fill - s->next_write < s->nslots && c->state == SLOT_FREE) {
			pthread_mutex_unlock(&s->mu);
			return c;
		}
		pthread_mutex_unlock(&s->mu);
		drain(s, 1);
	}
}

static int stopping(const pi_scan *s)
{
	return s->opt.stop && *s->opt.stop;
}

/* Makes one chunk from in and dispatches it. Returns 1 if bytes were dispatched. */
static int step(pi_scan *s, struct input *in)
{
	struct chunk *c = free_slot(s);

	produce(s, in, c);
	if (!in->started && c->len > 0) {
		struct pi_error err;
		in->started = 1;
		in->format = s->opt.format;
		if (in->format == PI_SCAN_FORMAT_AUTO)
			in->format = pi_scan_format_detect(c->buf, c->len);
		if (in->format == PI_SCAN_FORMAT_ZEEK && in->nzeek < MAX_ZEEK_MAPS) {
			if (pi_scan_zeek_parse_header(c->buf, c->len, &in->zeek[in->nzeek], &err) ==
			        PI_OK)
				in->nzeek++;
			else
				fprintf(stderr, "postisac scan: %s: %s\n", in->path, err.message);
		}
	}
	if (c->len == 0 && c->trail_lines == 0)
		return 0;
	c->in = in;
	c->format = in->format ? in->format : PI_SCAN_FORMAT_TEXT;
	c->zeek = in->nzeek ? in->zeek[in->nzeek - 1] : NULL;
	dispatch(s, c);
	return 1;
}

/* Writes every chunk dispatched so far. */
static void drain_all(pi_scan *s)
{
	for (;;) {
		pthread_mutex_lock(&s->mu);
		if (s->next_write == s->next_fill) {
			pthread_mutex_unlock(&s->mu);
			return;
		}
		pthread_mutex_unlock(&s->mu);
		drain(s, 1);
	}
}

/* follow, at the end of in: if its path now names another file (rotation) or the file
 * shrank (truncation), ends the old file's last partial line, writes everything from it, and
 * starts over at the beginning of the new contents (line numbers restart). Returns 1 if so. */
static int follow_rotate(pi_scan *s, struct input *in)
{
	struct stat sb, fb;
	int replaced, truncated;

	if (strcmp(in->path, "-") == 0 || in->comp != COMP_NONE)
		return 0;
	if (stat(in->path, &sb) != 0)
		return 0; /* the path is gone (rotation under way): keep reading the old file until
		             a new one appears */
	replaced = sb.st_ino != in->ino || sb.st_dev != in->dev;
	truncated = !replaced && fstat(in->fd, &fb) == 0 && fb.st_size < in->pos;
	if (!replaced && !truncated)
		return 0;
	if (replaced) {
		/* read what was appended to the old file before it moved */
		in->eof = 0;
		while (!in->eof && !in->finished && step(s, in))
			;
	}
	in->flush = 1;
	step(s, in);
	in->flush = 0;
	in->carry_len = 0;
	in->discarding = 0;
	drain_all(s);
	in->lines_written = 0;
	in->started = 0;
	if (replaced) {
		input_close(in);
		if (input_open(in) < 0 || input_start(in) < 0)
			input_close(in);
	} else {
		lseek(in->fd, 0, SEEK_SET);
		in->pos = 0;
	}
	in->eof = 0;
	return 1;
}

static int input_init(struct input *in, const char *path)
{
	memset(in, 0, sizeof(*in));
	in->path = path;
	in->fd = -1;
	if (!(in->in = malloc(INBUF)) || !(in->carry = malloc(PI_SCAN_MAX_LINE + 1)))
		return -1;
	return 0;
}

static void input_free(struct input *in)
{
	input_close(in);
	pi_fmap_close(&in->map);
	free(in->in);
	free(in->carry);
	for (size_t i = 0; i < in->nzeek; i++)
		pi_scan_zeek_free(in->zeek[i]);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

pi_status pi_scan_run(pi_scan *s, const char *const *files, size_t n, struct pi_scan_totals *totals,
        struct pi_error *err)
{
	struct input *ins = calloc(n ? n : 1, sizeof(*ins));
	pi_status st = PI_OK;

	memset(&s->totals, 0, sizeof(s->totals));
	s->started_us = s->last_progress_us = s->last_tick_us = pi_time_now_us();
	if (!ins)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (input_init(&ins[i], files[i]) < 0) {
			st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (input_open(&ins[i]) < 0 || input_start(&ins[i]) < 0) {
			int follow_later = s->opt.follow && strcmp(files[i], "-") != 0;
			fprintf(stderr, "postisac scan: %s: %s%s\n", files[i], strerror(errno),
			        follow_later ? " (waiting for it to appear)" : "");
			input_close(&ins[i]);
			if (!follow_later) {
				ins[i].failed = 1;
				ins[i].finished = 1;
			}
		} else if (!s->opt.follow) {
			input_map(&ins[i]);
		}
	}
	s->totals.files = n;
	if (!s->opt.follow) {
		for (size_t i = 0; i < n && !stopping(s) && !s->out_failed; i++) {
			while (!ins[i].finished && !stopping(s) && !s->out_failed) {
				step(s, &ins[i]);
				drain(s, 0);
			}
		}
	} else {
		while (!stopping(s) && !s->out_failed) {
			int any = 0, live = 0;
			for (size_t i = 0; i < n; i++) {
				struct input *in = &ins[i];
				if (in->finished)
					continue;
				live++;
				if (in->fd < 0) { /* not there yet, or gone during a rotation */
					if (input_open(in) == 0 && input_start(in) == 0)
						any = 1;
					else
						input_close(in);
					continue;
				}
				any |= step(s, in);
				if (in->eof && !in->finished && follow_rotate(s, in))
					any = 1;
			}
			drain(s, 0);
			if (!live)
				break;
			if (!any) {
				int64_t now = pi_time_now_us();
				if (s->opt.on_tick && now - s->last_tick_us >= 1000000) {
					s->last_tick_us = now;
					s->opt.on_tick(s->opt.arg);
				}
				progress(s, 0);
				sleep_ms(s->opt.poll_ms ? s->opt.poll_ms : 250);
			}
		}
	}
	/* everything dispatched gets written */
	drain_all(s);
	out_flush(s);
	progress(s, 1);
	for (size_t i = 0; i < n; i++) {
		if (pi_fmap_shrunk(&ins[i].map)) {
			fprintf(stderr,
			        "postisac scan: %s: the file shrank while it was read; the lines "
			        "past "
			        "its new end were not scanned\n",
			        ins[i].path);
			ins[i].failed = 1;
		}
		if (ins[i].failed)
			s->totals.files_failed++;
	}
	if (s->out_failed)
		st = pi_error_set(err, PI_ERR_IO, "cannot write the output: %s", strerror(errno));
	else if (s->totals.files_failed)
		st = pi_error_set(err, PI_ERR_IO, "%llu of %zu inputs could not be read",
		        (unsigned long long)s->totals.files_failed, n);
out:
	for (size_t i = 0; i < n; i++)
		input_free(&ins[i]);
	free(ins);
	if (totals)
		*totals = s->totals;
	return st;
}

/* ---- life cycle ---- */

pi_status pi_scan_new(const struct pi_scan_options *opt, pi_scan_set *set, pi_scan_matcher *m,
        pi_scan **out, struct pi_error *err)
{
	pi_scan *s = calloc(1, sizeof(*s));
	unsigned threads = opt->threads ? opt->threads : 1;
	pi_status st = PI_OK;

	*out = NULL;
	if (!s) {
		pi_scan_matcher_free(m);
		pi_scan_set_free(set);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	if (threads > PI_SCAN_MAX_THREADS)
		threads = PI_SCAN_MAX_THREADS;
	s->opt = *opt;
	s->opt.threads = threads;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work_cv, NULL);
	pthread_cond_init(&s->done_cv, NULL);
	pi_scan_publish(s, set, m);
	if (!s->current) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	s->nslots = threads * 2 + 2;
	if (!(s->out = malloc(OUT_BUF)) ||
	        !(s->slots = aligned_alloc(64, s->nslots * sizeof(struct chunk))) ||
	        !(s->workers = aligned_alloc(64, threads * sizeof(struct worker)))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(s->slots, 0, s->nslots * sizeof(struct chunk));
	memset(s->workers, 0, threads * sizeof(struct worker));
	for (size_t i = 0; i < s->nslots; i++)
		if (!(s->slots[i].own = malloc(
		              PI_SCAN_CHUNK + PI_SCAN_MAX_LINE + 1 + PI_SCAN_LINE_PAD))) {
			st = pi_error_set(err, PI_ERR_NOMEM, "out of memory for read buffers");
			goto out;
		}
	for (unsigned i = 0; i < threads; i++) {
		struct worker *w = &s->workers[i];
		w->s = s;
		if (pi_scan_xctx_init(&w->x, opt->xflags | PI_SCAN_PADDED, on_obs, w) != PI_OK) {
			st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (pthread_create(&w->tid, NULL, worker_main, w) != 0) {
			st = pi_error_set(err, PI_ERR_INTERNAL, "cannot start a worker thread");
			goto out;
		}
		w->started = 1;
	}
	*out = s;
	return PI_OK;
out:
	pi_scan_free(s);
	return st;
}

void pi_scan_free(pi_scan *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_cond_broadcast(&s->work_cv);
	pthread_mutex_unlock(&s->mu);
	if (s->workers) {
		for (unsigned i = 0; i < s->opt.threads; i++) {
			struct worker *w = &s->workers[i];
			if (w->started)
				pthread_join(w->tid, NULL);
			pi_scan_xctx_free(&w->x);
			pi_scan_mthread_free(w->mt);
		}
	}
	if (s->slots)
		for (size_t i = 0; i < s->nslots; i++) {
			free(s->slots[i].own);
			free(s->slots[i].hits);
			free(s->slots[i].arena);
			if (s->slots[i].mref)
				mref_release(s, s->slots[i].mref);
		}
	if (s->current)
		mref_release(s, s->current);
	free(s->slots);
	free(s->workers);
	free(s->out);
	pthread_cond_destroy(&s->work_cv);
	pthread_cond_destroy(&s->done_cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
