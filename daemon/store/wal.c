/* wal: segments, framing, replay and the writer (wal.h). */
#include "store/wal.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "security/seal.h"

#define HASH_BYTES   16
#define ZERO_CHUNK   (1u << 20)
#define BUF_MAX      (1u << 20) /* records are gathered here and written in one pwrite */
#define SEGMENT_MIN  (64u << 10)
#define SEAL_AD_TEXT "wal"

struct seg {
	uint64_t index;
	uint64_t first_seq; /* of its current use; 0 while it holds none */
	uint64_t size;
};

struct wal {
	int dirfd;
	uint64_t seg_bytes;
	const struct seal *seal;
	struct seg *segs; /* by index; the last one is written */
	unsigned n, cap;
	int fd;       /* the last segment's */
	uint64_t pos; /* bytes of it already written */
	uint8_t *buf; /* framed records not yet written */
	size_t blen, bcap;
	uint64_t last_seq, flushed_seq, applied_seq, written;
	bool poisoned;
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}

static void frame_hash(const uint8_t *hdr, const uint8_t *payload, size_t len,
		       uint8_t out[HASH_BYTES])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, HASH_BYTES);
	crypto_generichash_update(&h, hdr, 16);
	crypto_generichash_update(&h, payload, len);
	crypto_generichash_final(&h, out, HASH_BYTES);
}

static size_t seal_ad(uint64_t seq, uint8_t ad[sizeof(SEAL_AD_TEXT) - 1 + 8])
{
	memcpy(ad, SEAL_AD_TEXT, sizeof(SEAL_AD_TEXT) - 1);
	put_u64(ad + sizeof(SEAL_AD_TEXT) - 1, seq);
	return sizeof(SEAL_AD_TEXT) - 1 + 8;
}

static void wal_seg_name(uint64_t index, char out[WAL_NAME_MAX])
{
	snprintf(out, WAL_NAME_MAX, "%016" PRIx64 ".wal", index);
}

/* ---- reading a segment ------------------------------------------------------------------ */

enum rec_kind { REC_OK, REC_END, REC_BAD };

/* The record at off of a mapped segment: REC_OK (a whole record: its seq, payload and framed
 * length), REC_END (zeros, or no room for a header) or REC_BAD (damaged). */
static enum rec_kind rec_at(const uint8_t *m, uint64_t size, uint64_t off, uint64_t *ret_seq,
			    const uint8_t **ret_payload, size_t *ret_len, size_t *ret_framed)
{
	static const uint8_t zeros[WAL_REC_HDR];
	if (size < WAL_REC_HDR || off > size - WAL_REC_HDR)
		return REC_END;
	const uint8_t *h = m + off;
	if (memcmp(h, zeros, WAL_REC_HDR) == 0)
		return REC_END;
	uint32_t len = get_u32(h);
	if (get_u32(h + 4) != 0 || len > size - off - WAL_REC_HDR)
		return REC_BAD;
	uint8_t sum[HASH_BYTES];
	frame_hash(h, h + WAL_REC_HDR, len, sum);
	if (sodium_memcmp(sum, h + 16, HASH_BYTES) != 0)
		return REC_BAD;
	*ret_seq = get_u64(h + 8);
	*ret_payload = h + WAL_REC_HDR;
	*ret_len = len;
	*ret_framed = align8(WAL_REC_HDR + (size_t)len);
	return REC_OK;
}

struct mapped {
	int fd;
	const uint8_t *m;
	uint64_t size;
};

static int map_seg(int dirfd, uint64_t index, struct mapped *ret)
{
	char name[WAL_NAME_MAX];
	wal_seg_name(index, name);
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	ret->fd = fd;
	ret->size = (uint64_t)sb.st_size;
	ret->m = NULL;
	if (ret->size > 0) {
		void *m = mmap(NULL, ret->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			int r = -errno;
			close(fd);
			return r;
		}
		ret->m = m;
	}
	return 0;
}

static void unmap_seg(struct mapped *mp)
{
	if (mp->m)
		munmap((void *)mp->m, mp->size);
	if (mp->fd >= 0)
		close(mp->fd);
	mp->fd = -1;
	mp->m = NULL;
}

/* ---- the segment list --------------------------------------------------------------------- */

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int segs_push(struct wal *w, uint64_t index, uint64_t size)
{
	if (w->n == w->cap) {
		unsigned cap = w->cap ? 2 * w->cap : 8;
		struct seg *s = realloc(w->segs, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		w->segs = s;
		w->cap = cap;
	}
	w->segs[w->n++] = (struct seg){.index = index, .size = size};
	return 0;
}

static int list_segs(struct wal *w)
{
	int fd = dup(w->dirfd);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d))) {
		char *end;
		if (strlen(e->d_name) != WAL_NAME_MAX - 4 || strcmp(e->d_name + 16, ".wal"))
			continue;
		uint64_t index = strtoull(e->d_name, &end, 16);
		if (end != e->d_name + 16)
			continue;
		struct stat sb;
		if (fstatat(w->dirfd, e->d_name, &sb, 0) < 0)
			r = -errno;
		else
			r = segs_push(w, index, (uint64_t)sb.st_size);
	}
	closedir(d);
	if (r == 0 && w->n > 1)
		qsort(w->segs, w->n, sizeof(*w->segs), cmp_seg);
	return r;
}

/* ---- replay -------------------------------------------------------------------------------- */

struct replay {
	uint64_t after, expected; /* expected: the next seq; 0 before the first record */
	wal_replay_fn fn;
	void *ctx;
	struct seal_buf plain;
};

/* Whether a whole record with seq continues the log: the next seq, or the log's first record
 * (or a segment's) that LMDB's applied seq reaches. */
static bool continues(const struct replay *rp, uint64_t seq, uint64_t off)
{
	if (rp->expected == 0 || (off == 0 && seq > rp->expected))
		return seq <= rp->after + 1;
	return seq == rp->expected;
}

static int deliver(const struct wal *w, struct replay *rp, uint64_t seq, const uint8_t *p,
		   size_t len)
{
	if (seq <= rp->after || !rp->fn)
		return 0;
	if (seal_is_sealed(p, len)) {
		if (!w->seal)
			return -EKEYREJECTED;
		uint8_t ad[16];
		size_t adlen = seal_ad(seq, ad), out;
		if (len < SEAL_OVERHEAD || seal_buf_reserve(&rp->plain, len - SEAL_OVERHEAD) < 0)
			return len < SEAL_OVERHEAD ? -EBADMSG : -ENOMEM;
		int r = seal_open(w->seal, ad, adlen, p, len, rp->plain.data, &out);
		if (r < 0)
			return r;
		p = rp->plain.data;
		len = out;
	}
	return rp->fn(rp->ctx, seq, p, len);
}

/* After a damaged record at off of segment i: the first whole record with a seq past it,
 * in the rest of that segment or at the start of a later one (0: none). */
static uint64_t scan_behind(struct wal *w, unsigned i, uint64_t off, uint64_t expected)
{
	for (unsigned j = i; j < w->n; j++) {
		struct mapped mp = {.fd = -1};
		if (map_seg(w->dirfd, w->segs[j].index, &mp) < 0)
			continue;
		uint64_t from = j == i ? off + 8 : 0, to = j == i ? mp.size : 1;
		for (uint64_t o = from; o < to; o += 8) {
			uint64_t seq;
			const uint8_t *p;
			size_t len, framed;
			if (rec_at(mp.m, mp.size, o, &seq, &p, &len, &framed) == REC_OK &&
			    seq >= expected) {
				unmap_seg(&mp);
				return seq;
			}
		}
		unmap_seg(&mp);
	}
	return 0;
}

/* Reads the segments in order to the first place the log does not continue; *ret_i and
 * *ret_off are that place (the writer resumes there). */
static int replay(struct wal *w, struct replay *rp, struct wal_stop *stop, unsigned *ret_i,
		  uint64_t *ret_off)
{
	unsigned i = 0;
	uint64_t off = 0;
	enum rec_kind k = REC_END;
	int r = 0;
	for (; i < w->n; i++) {
		struct mapped mp = {.fd = -1};
		if ((r = map_seg(w->dirfd, w->segs[i].index, &mp)) < 0)
			return r;
		for (off = 0;;) {
			uint64_t seq;
			const uint8_t *p;
			size_t len, framed;
			k = rec_at(mp.m, mp.size, off, &seq, &p, &len, &framed);
			if (k == REC_OK && rp->expected == 0 && seq > rp->after + 1) {
				unmap_seg(&mp);
				wal_seg_name(w->segs[i].index, stop->segment);
				return -EPROTO;
			}
			if (k == REC_OK && !continues(rp, seq, off))
				k = rp->expected && seq < rp->expected ? REC_END : REC_BAD;
			if (k != REC_OK)
				break;
			if ((r = deliver(w, rp, seq, p, len)) != 0) {
				unmap_seg(&mp);
				stop->offset = off;
				wal_seg_name(w->segs[i].index, stop->segment);
				return r;
			}
			if (off == 0)
				w->segs[i].first_seq = seq;
			rp->expected = seq + 1;
			stop->last_seq = seq > rp->after ? seq : rp->after;
			off += framed;
		}
		unmap_seg(&mp);
		/* a segment's data ends at zeros, an earlier use's record, or its end: the log
		 * goes on in the next segment, if that one starts with the next record */
		if (k == REC_BAD || off == 0 || i + 1 == w->n)
			break;
	}
	if (i == w->n && w->n > 0)
		i = w->n - 1;
	stop->why = WAL_STOP_END;
	if (k == REC_BAD) {
		stop->lost_seq = scan_behind(w, i, off, rp->expected);
		stop->why = stop->lost_seq ? WAL_STOP_CORRUPT : WAL_STOP_TORN;
	}
	if (w->n > 0)
		wal_seg_name(w->segs[i].index, stop->segment);
	stop->offset = off;
	*ret_i = i;
	*ret_off = off;
	return 0;
}

/* ---- the writer ---------------------------------------------------------------------------- */

static int poison(struct wal *w)
{
	w->poisoned = true;
	return -EIO;
}

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t k = pwrite(fd, p, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -EIO;
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

/* Writes the buffered records at the segment's write position. */
static int write_buf(struct wal *w)
{
	if (w->blen == 0)
		return 0;
	if (write_all(w->fd, w->buf, w->blen, w->pos) < 0)
		return poison(w);
	w->pos += w->blen;
	w->written += w->blen;
	w->blen = 0;
	return 0;
}

/* A new segment file of seg_bytes, every block allocated and written once, made durable
 * with its directory entry. */
static int create_seg(struct wal *w, const char *name)
{
	int fd = openat(w->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = 0;
	if (fallocate(fd, 0, 0, (off_t)w->seg_bytes) < 0 && errno != EOPNOTSUPP)
		r = -errno;
	uint8_t *zeros = r == 0 ? calloc(1, ZERO_CHUNK) : NULL;
	if (r == 0 && !zeros)
		r = -ENOMEM;
	for (uint64_t off = 0; r == 0 && off < w->seg_bytes; off += ZERO_CHUNK) {
		uint64_t n = w->seg_bytes - off < ZERO_CHUNK ? w->seg_bytes - off : ZERO_CHUNK;
		r = write_all(fd, zeros, n, off);
	}
	free(zeros);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (r == 0 && fsync(w->dirfd) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		unlinkat(w->dirfd, name, 0);
		return r;
	}
	return fd;
}

/* Moves the writer to a new last segment: the oldest one when LMDB covers all its records
 * (renamed to the next number), else a new file. The current one is written and flushed. */
static int next_seg(struct wal *w)
{
	if (write_buf(w) < 0 || (w->fd >= 0 && fdatasync(w->fd) < 0))
		return poison(w);
	uint64_t index = w->n ? w->segs[w->n - 1].index + 1 : 1;
	char name[WAL_NAME_MAX], old[WAL_NAME_MAX];
	wal_seg_name(index, name);
	int fd = -1;
	if (w->n >= 2 && w->segs[1].first_seq && w->segs[1].first_seq - 1 <= w->applied_seq &&
	    w->segs[0].size == w->seg_bytes) {
		wal_seg_name(w->segs[0].index, old);
		if (renameat(w->dirfd, old, w->dirfd, name) < 0 || fsync(w->dirfd) < 0)
			return poison(w);
		memmove(w->segs, w->segs + 1, --w->n * sizeof(*w->segs));
		fd = openat(w->dirfd, name, O_RDWR | O_CLOEXEC);
	} else {
		fd = create_seg(w, name);
	}
	if (fd < 0 || segs_push(w, index, w->seg_bytes) < 0) {
		if (fd >= 0)
			close(fd);
		return poison(w);
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	w->pos = 0;
	return 0;
}

size_t wal_max_payload(const struct wal *w)
{
	return w->bcap - WAL_REC_HDR - 8 - (w->seal ? SEAL_OVERHEAD : 0);
}

int wal_append(struct wal *w, const void *payload, size_t len, uint64_t *ret_seq)
{
	if (w->poisoned)
		return -EIO;
	if (len > wal_max_payload(w))
		return -EMSGSIZE;
	size_t plen = w->seal ? seal_len(len) : len, framed = align8(WAL_REC_HDR + plen);
	struct seg *cur = w->n ? &w->segs[w->n - 1] : NULL;
	if (!cur || w->pos + w->blen + framed > cur->size) {
		if (next_seg(w) < 0)
			return -EIO;
		cur = &w->segs[w->n - 1];
	}
	if (w->blen + framed > w->bcap && write_buf(w) < 0)
		return -EIO;
	uint64_t seq = w->last_seq + 1;
	uint8_t *h = w->buf + w->blen;
	put_u32(h, (uint32_t)plen);
	put_u32(h + 4, 0);
	put_u64(h + 8, seq);
	if (w->seal) {
		uint8_t ad[16];
		size_t adlen = seal_ad(seq, ad);
		seal_data(w->seal, ad, adlen, payload, len, h + WAL_REC_HDR);
	} else {
		memcpy(h + WAL_REC_HDR, payload, len);
	}
	memset(h + WAL_REC_HDR + plen, 0, framed - WAL_REC_HDR - plen);
	frame_hash(h, h + WAL_REC_HDR, plen, h + 16);
	if (cur->first_seq == 0)
		cur->first_seq = seq;
	w->blen += framed;
	w->last_seq = seq;
	*ret_seq = seq;
	return 0;
}

int wal_flush(struct wal *w)
{
	if (w->poisoned)
		return -EIO;
	if (w->flushed_seq == w->last_seq && w->blen == 0)
		return 0;
	if (write_buf(w) < 0 || fdatasync(w->fd) < 0)
		return poison(w);
	w->flushed_seq = w->last_seq;
	return 0;
}

void wal_applied(struct wal *w, uint64_t seq)
{
	if (seq > w->applied_seq)
		w->applied_seq = seq;
}

void wal_stats(const struct wal *w, struct wal_stats *ret)
{
	*ret = (struct wal_stats){w->last_seq, w->flushed_seq, w->written, w->n};
}

/* ---- open and close ------------------------------------------------------------------------ */

void wal_close(struct wal **wp)
{
	struct wal *w = wp ? *wp : NULL;
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w->segs);
	free(w->buf);
	free(w);
	*wp = NULL;
}

/* After replay: the segments behind the stop hold nothing of the log (a torn tail, or an
 * earlier use's records) and go; the writer resumes at the stop. */
static int resume(struct wal *w, unsigned i, uint64_t off, uint64_t last_in_log)
{
	bool removed = false;
	while (w->n > i + 1) {
		char name[WAL_NAME_MAX];
		wal_seg_name(w->segs[--w->n].index, name);
		if (unlinkat(w->dirfd, name, 0) < 0)
			return -errno;
		removed = true;
	}
	if (removed && fsync(w->dirfd) < 0)
		return -errno;
	if (w->n == 0)
		return 0;
	struct seg *cur = &w->segs[w->n - 1];
	char name[WAL_NAME_MAX];
	wal_seg_name(cur->index, name);
	if ((w->fd = openat(w->dirfd, name, O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	w->pos = off;
	if (off == 0)
		cur->first_seq = 0;
	/* LMDB is past the log's last record (nothing to append after it in this segment
	 * without a gap): the next record starts a segment */
	if (off > 0 && w->last_seq > last_in_log)
		w->pos = cur->size;
	return 0;
}

int wal_open(struct wal **ret, const char *dir, const struct wal_opts *opts, uint64_t after_seq,
	     wal_replay_fn fn, void *ctx, struct wal_stop *ret_stop)
{
	if (opts->segment_bytes < SEGMENT_MIN || opts->segment_bytes % 4096)
		return -EINVAL;
	struct wal *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->seg_bytes = opts->segment_bytes;
	w->seal = opts->seal;
	w->bcap = w->seg_bytes < BUF_MAX ? w->seg_bytes : BUF_MAX;
	int r = 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		r = -errno;
	if (r == 0 && (w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = -errno;
	if (r == 0 && !(w->buf = malloc(w->bcap)))
		r = -ENOMEM;
	if (r == 0)
		r = list_segs(w);
	struct wal_stop stop = {.last_seq = after_seq};
	struct replay rp = {.after = after_seq, .fn = fn, .ctx = ctx};
	unsigned i = 0;
	uint64_t off = 0;
	if (r == 0)
		r = replay(w, &rp, &stop, &i, &off);
	seal_buf_free(&rp.plain);
	uint64_t last_in_log = rp.expected ? rp.expected - 1 : 0;
	w->last_seq = w->flushed_seq = w->applied_seq = stop.last_seq;
	if (r == 0)
		r = resume(w, i, off, last_in_log);
	if (ret_stop)
		*ret_stop = stop;
	if (r != 0) {
		wal_close(&w);
		return r;
	}
	*ret = w;
	return 0;
}
