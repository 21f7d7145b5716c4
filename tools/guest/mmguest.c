/*
 * mmguest: runs a compiled mmsim scenario inside a real Linux 6.1 guest (mmsim validate).
 *
 * The host compiles a scenario (src/validate/compile.ts) into a line-based program (the format is
 * in docs/validate.md and in parse_input below) and puts it in the guest's initramfs as /run.in.
 * /init execs `mmguest run /run.in`, so the supervisor is PID 1. It:
 *   - prints every capture on the console between "@@RK-BEGIN label@@" and "@@RK-END label@@"
 *     lines (the realkernel harness's markers), and what happened as "@@RK-EV ...@@" lines;
 *   - spawns one worker per scenario process (fork + exec of this program, comm set to the
 *     process's name, oom_score_adj written), and drives each by commands on a pipe: the worker
 *     runs one step (mmap, touch, fork, ...) and answers on a shared reply pipe;
 *   - keeps the scenario's order with a virtual clock, as the model's scheduler
 *     (src/workload/runner.ts) does with simulated time: a process's steps cost no virtual time
 *     except touches (a cost per access given by the compiler), a `sleep` or a later `start`
 *     waits until every running process has passed that virtual time, and `wait` waits for the
 *     named process's death. Processes that are runnable at the same virtual time really run at
 *     the same time, interleaved by the guest's own scheduler;
 *   - at the end captures the final files, the kernel log and each process's fate, then powers
 *     the machine off.
 *
 * Touches use the same seeded generator as the model (xoshiro128** seeded by splitmix32, and
 * the sequential, random, stride and zipf patterns of src/workload/patterns.ts), so both sides
 * touch the same pages in the same order; `mmguest gen` prints a pattern's pages for the test
 * that compares them with the TypeScript generators.
 *
 * The workers use no stdio and no malloc: their memory is the program image, the stack and
 * what the scenario maps, as the model's processes' is.
 *
 * Modes:
 *   mmguest run FILE [--native]    supervisor (--native: not PID 1; no poweroff, no console setup)
 *   mmguest worker IDX NAME ADJ SEED_LO   a worker (started by the supervisor only)
 *   mmguest check FILE             parse an input and print what it holds (exit 2 and why if it is bad)
 *   mmguest gen KIND NPAGES SEED COUNT [PARAM]   print COUNT page indices of a pattern
 *
 * Build: gcc -static -O2 -std=c11 -ffp-contract=off -o mmguest mmguest.c -lm
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_mlock2
#define SYS_mlock2 325
#endif

#define PAGE 4096UL

/* ------------------------------------------------------------------ small output helpers */

static void wr(int fd, const char *s, size_t n) {
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR) continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

/* A growable-in-place text buffer over caller storage. */
struct sbuf {
	char *p;
	size_t len, cap;
};
static void sb_put(struct sbuf *b, const char *s, size_t n) {
	if (b->len + n > b->cap) n = b->cap - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}
static void sb_str(struct sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_u64(struct sbuf *b, uint64_t v) {
	char t[24];
	int i = 24;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_put(b, t + i, (size_t)(24 - i));
}
static void sb_i64(struct sbuf *b, int64_t v) {
	if (v < 0) {
		sb_put(b, "-", 1);
		sb_u64(b, (uint64_t)(-(v + 1)) + 1);
	} else
		sb_u64(b, (uint64_t)v);
}
static void sb_hex(struct sbuf *b, uint64_t v) {
	char t[16];
	int i = 16;
	do {
		t[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	sb_put(b, t + i, (size_t)(16 - i));
}

static const char *errname(int e) {
	const char *n = strerrorname_np(e);
	return n ? n : "EUNKNOWN";
}

/* ------------------------------------------------------------------ the PRNG (src/kernel/random.ts) */

/* xoshiro128**, seeded by splitmix32 exactly as the model's Prng. */
struct prng {
	uint32_t s0, s1, s2, s3;
};
static uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
static void prng_init(struct prng *r, uint32_t seed) {
	uint32_t x = seed, z, s[4];
	for (int i = 0; i < 4; i++) {
		x += 0x9e3779b9u;
		z = x;
		z = (z ^ (z >> 16)) * 0x85ebca6bu;
		z = (z ^ (z >> 13)) * 0xc2b2ae35u;
		s[i] = z ^ (z >> 16);
	}
	r->s0 = s[0];
	r->s1 = s[1];
	r->s2 = s[2];
	r->s3 = s[3] | 1u;
}
static uint32_t prng_u32(struct prng *r) {
	uint32_t result = rotl32(r->s1 * 5u, 7) * 9u;
	uint32_t t = r->s1 << 9;
	r->s2 ^= r->s0;
	r->s3 ^= r->s1;
	r->s1 ^= r->s2;
	r->s0 ^= r->s3;
	r->s2 ^= t;
	r->s3 = rotl32(r->s3, 11);
	return result;
}
/* Math.floor((u32 / 4294967296) * n): the same double arithmetic as Prng.below. */
static uint64_t prng_below(struct prng *r, uint64_t n) { return (uint64_t)floor(((double)prng_u32(r) / 4294967296.0) * (double)n); }
static double prng_float(struct prng *r) { return (double)prng_u32(r) / 4294967296.0; }

/* ------------------------------------------------------------------ patterns (src/workload/patterns.ts) */

enum { PAT_SEQ = 0, PAT_RAND = 1, PAT_STRIDE = 2, PAT_ZIPF = 3 };

struct gen {
	int kind;
	uint64_t n;
	uint64_t i;                /* sequential */
	uint64_t base, cur, step;  /* stride */
	double alpha, hX1, hN, sCoef; /* zipf */
	struct prng *rng;
};

static double helper1(double x) { return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x)); }
static double helper2(double x) { return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + (x * (1 + 0.25 * x)) / 3); }
static double hIntegral(double x, double s) {
	double logX = log(x);
	return helper2((1 - s) * logX) * logX;
}
static double hfun(double x, double s) { return exp(-s * log(x)); }
static double hIntegralInverse(double x, double s) {
	double t = x * (1 - s);
	if (t < -1) t = -1;
	return exp(helper1(t) * x);
}

static void gen_init(struct gen *g, int kind, uint64_t n, uint64_t strideBytes, double alpha, struct prng *rng) {
	memset(g, 0, sizeof *g);
	g->kind = kind;
	g->n = n;
	g->rng = rng;
	if (kind == PAT_STRIDE) {
		g->step = strideBytes / PAGE;
		if (g->step < 1) g->step = 1;
	} else if (kind == PAT_ZIPF) {
		double s = alpha;
		g->alpha = alpha;
		g->hX1 = hIntegral(1.5, s) - 1;
		g->hN = hIntegral((double)n + 0.5, s);
		g->sCoef = 2 - hIntegralInverse(hIntegral(2.5, s) - hfun(2, s), s);
	}
}

static uint64_t gen_next(struct gen *g) {
	switch (g->kind) {
	case PAT_SEQ: {
		uint64_t v = g->i;
		g->i = v + 1 == g->n ? 0 : v + 1;
		return v;
	}
	case PAT_RAND:
		return prng_below(g->rng, g->n);
	case PAT_STRIDE: {
		uint64_t v = g->cur, nx = v + g->step;
		if (nx >= g->n) {
			g->base = g->base + 1 >= g->step || g->base + 1 >= g->n ? 0 : g->base + 1;
			nx = g->base;
		}
		g->cur = nx;
		return v;
	}
	default: {
		double s = g->alpha, n = (double)g->n;
		for (;;) {
			double u = g->hN + prng_float(g->rng) * (g->hX1 - g->hN);
			double x = hIntegralInverse(u, s);
			double k = floor(x + 0.5);
			if (k < 1) k = 1;
			else if (k > n) k = n;
			if (k - x <= g->sCoef || u >= hIntegral(k + 0.5, s) - hfun(k, s)) return (uint64_t)k - 1;
		}
	}
	}
}

/* ------------------------------------------------------------------ the worker <-> supervisor protocol */

enum {
	OP_MMAP = 1, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_BRK, OP_MADVISE, OP_MLOCK, OP_MUNLOCK,
	OP_TOUCH, OP_FORK, OP_EXIT, OP_ADJ, OP_WRITE, OP_SWAPON, OP_SWAPOFF,
	OP_MOUNT, OP_FILE, OP_MEMFD, OP_SYNC, OP_MSYNC,
};

/* A file step's operation (the low 4 bits of its mode) and its fadvise advice (bits 12-15). */
enum { FOP_CREATE = 0, FOP_READ, FOP_WRITE, FOP_TRUNCATE, FOP_UNLINK, FOP_FADVISE, FOP_FSYNC, FOP_FDATASYNC };

/* One command to a worker. Fits in PIPE_BUF, so a write is atomic. */
struct cmd {
	int32_t op;
	int32_t region;   /* region index (mmap, munmap, ...), or -1 */
	int64_t a, b, c, d, e, f; /* op-specific numbers, see worker_step */
	char s1[256];     /* path (write, swapon, swapoff, mount's target, file, mmap's file) */
	char s2[768];     /* value (write); mount's options (tmpfs) or device (ext2) */
};

enum { RP_HELLO = 1, RP_OK, RP_ERR, RP_PROG, RP_FAIL };
/* One reply. RP_OK: a = result (address, pid); RP_ERR: a = errno; RP_PROG: a = accesses so far;
 * RP_FAIL: the step could not run (no such region: the model's RunFailure). */
struct reply {
	int32_t proc;
	int32_t kind;
	int64_t a, b, c;
};

#define CMD_FD 3
#define REPLY_FD 4
#define MAX_REGIONS 256
#define PROGRESS_EVERY 1024

/* ------------------------------------------------------------------ the worker */

static struct {
	uint64_t addr, len;
	int used;
} regions[MAX_REGIONS];
static uint64_t heap_start;
static struct prng wrng;
static int widx;

static void reply(int kind, int64_t a, int64_t b, int64_t c) {
	struct reply r = {widx, kind, a, b, c};
	wr(REPLY_FD, (const char *)&r, sizeof r);
}

static int read_full(int fd, void *p, size_t n) {
	char *c = p;
	while (n > 0) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_file(const char *path, const char *val, size_t n) {
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return errno;
	ssize_t w = write(fd, val, n);
	int e = w < 0 ? errno : 0;
	close(fd);
	return e;
}

static void set_adj(int64_t adj) {
	char t[24];
	struct sbuf b = {t, 0, sizeof t - 1};
	sb_i64(&b, adj);
	sb_put(&b, "\n", 1);
	write_file("/proc/self/oom_score_adj", t, b.len);
}

/* start_brk (field 47 of /proc/self/stat): the heap's start, as the model's mm.start_brk. */
static uint64_t read_start_brk(void) {
	char t[1024];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return 0;
	ssize_t n = read(fd, t, sizeof t - 1);
	close(fd);
	if (n <= 0) return 0;
	t[n] = 0;
	char *p = strrchr(t, ')');
	if (!p) return 0;
	int field = 2;
	for (; *p; p++) {
		if (*p == ' ') {
			field++;
			if (field == 47) {
				uint64_t v = 0;
				for (p++; *p >= '0' && *p <= '9'; p++) v = v * 10 + (uint64_t)(*p - '0');
				return v;
			}
		}
	}
	return 0;
}

/* Writes a version-1 swap header (what mkswap writes) at the start of a block device. */
static int mkswap(const char *path, uint64_t size) {
	static char hdr[PAGE];
	memset(hdr, 0, sizeof hdr);
	uint32_t version = 1, last_page = (uint32_t)(size / PAGE - 1), bad = 0;
	memcpy(hdr + 1024, &version, 4);
	memcpy(hdr + 1028, &last_page, 4);
	memcpy(hdr + 1032, &bad, 4);
	memcpy(hdr + PAGE - 10, "SWAPSPACE2", 10);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) return errno;
	int e = 0;
	if (pwrite(fd, hdr, PAGE, 0) != (ssize_t)PAGE) e = errno ? errno : EIO;
	if (!e && fsync(fd) < 0) e = errno;
	close(fd);
	return e;
}

/* Resolves a region argument: [addr + off, +len) (len < 0: to the region's end). */
static int region_range(const struct cmd *c, uint64_t *addr, uint64_t *len) {
	if (c->region < 0 || c->region >= MAX_REGIONS || !regions[c->region].used) return -1;
	*addr = regions[c->region].addr + (uint64_t)c->a;
	*len = c->b < 0 ? regions[c->region].len - (uint64_t)c->a : (uint64_t)c->b;
	return 0;
}

static void do_touch(const struct cmd *c) {
	uint64_t addr, len;
	if (region_range(c, &addr, &len) < 0) {
		reply(RP_FAIL, 0, 0, 0);
		return;
	}
	uint64_t npages = (len + PAGE - 1) / PAGE;
	if (npages == 0) {
		reply(RP_OK, 0, 1, 0);
		return;
	}
	int access = (int)(c->c & 3), kind = (int)(c->c >> 8);
	/* c->d accesses per pass (0: one per page of the window), c->f passes */
	uint64_t per = c->d > 0 ? (uint64_t)c->d : npages;
	uint64_t total = per * (uint64_t)(c->f > 0 ? c->f : 1);
	struct gen g;
	/* e: stride bytes, or zipf's alpha as the bits of an IEEE double (exact) */
	double alpha = 0;
	if (kind == PAT_ZIPF) memcpy(&alpha, &c->e, sizeof alpha);
	gen_init(&g, kind, npages, kind == PAT_STRIDE ? (uint64_t)c->e : 0, alpha, &wrng);
	volatile char *base = (volatile char *)(uintptr_t)addr;
	uint64_t seq = 0;
	for (uint64_t done = 0; done < total; done++) {
		uint64_t pg;
		if (kind == PAT_SEQ) {
			/* the runner keeps its own cursor for sequential touches, wrapping at the end */
			pg = seq;
			seq = seq + 1 == npages ? 0 : seq + 1;
		} else
			pg = gen_next(&g);
		volatile char *p = base + pg * PAGE;
		if (access == 1)
			*p = 1;
		else
			(void)*p;
		if ((done + 1) % PROGRESS_EVERY == 0) reply(RP_PROG, (int64_t)(done + 1), (int64_t)per, 0);
	}
	reply(RP_OK, (int64_t)total, (int64_t)per, 0);
}

/* mkdir -p, then mount(2): a tmpfs with its options (a = 0, s2 "size=…,nr_inodes=…") or the ext2
 * filesystem of a disk (a = 1, s2 the device), read-only when b. */
static void do_mount(const struct cmd *c) {
	char dir[256];
	size_t n = strlen(c->s1);
	if (n >= sizeof dir) n = sizeof dir - 1;
	memcpy(dir, c->s1, n);
	dir[n] = 0;
	for (size_t i = 1; i <= n; i++) {
		if (dir[i] == '/' || dir[i] == 0) {
			char save = dir[i];
			dir[i] = 0;
			if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
				reply(RP_ERR, errno, 0, 0);
				return;
			}
			dir[i] = save;
		}
	}
	unsigned long fl = c->b ? MS_RDONLY : 0;
	int r = c->a == 0 ? mount("tmpfs", c->s1, "tmpfs", fl, c->s2[0] ? c->s2 : NULL) : mount(c->s2, c->s1, "ext2", fl, NULL);
	if (r < 0) reply(RP_ERR, errno, 0, 0);
	else reply(RP_OK, 0, 0, 0);
}

/* A file step: open, the operation, close (region = mode: op | pattern << 4 | direct << 8 | advice
 * << 12; a offset or size, b length or -1, c bs, d count (0: one per block), e stride bytes or
 * zipf's alpha bits, f repeat). Reads and writes go through a buffer of bs bytes mapped for the
 * step (the model's processes have none: a program's buffer is a few pages of its own). */
static void do_file(const struct cmd *c) {
	int op = c->region & 15, kind = (c->region >> 4) & 15, direct = (c->region >> 8) & 1, advice = (c->region >> 12) & 15;
	if (op == FOP_UNLINK) {
		if (unlink(c->s1) < 0) reply(RP_ERR, errno, 0, 0);
		else reply(RP_OK, 0, 0, 0);
		return;
	}
	int flags = O_CLOEXEC | (direct ? O_DIRECT : 0);
	if (op == FOP_CREATE) flags |= O_WRONLY | O_CREAT | O_TRUNC;
	else if (op == FOP_WRITE || op == FOP_TRUNCATE) flags |= O_WRONLY;
	else flags |= O_RDONLY;
	int fd = open(c->s1, flags, 0644);
	if (fd < 0) {
		reply(RP_ERR, errno, 0, 0);
		return;
	}
	int e = 0;
	int64_t calls = 0, per_pass = 1;
	if (op == FOP_TRUNCATE) {
		if (ftruncate(fd, (off_t)c->a) < 0) e = errno;
	} else if (op == FOP_FSYNC || op == FOP_FDATASYNC) {
		/* as the runner: fsync works on the inode, so a descriptor opened for reading will do */
		if ((op == FOP_FSYNC ? fsync(fd) : fdatasync(fd)) < 0) e = errno;
	} else if (op == FOP_FADVISE) {
		e = posix_fadvise(fd, (off_t)c->a, (off_t)(c->b < 0 ? 0 : c->b), advice);
	} else {
		uint64_t base = op == FOP_CREATE ? 0 : (uint64_t)c->a, end;
		if (op == FOP_CREATE) end = (uint64_t)c->a;
		else if (c->b >= 0) end = base + (uint64_t)c->b;
		else {
			struct stat st;
			if (fstat(fd, &st) < 0) st.st_size = 0;
			end = (uint64_t)st.st_size > base ? (uint64_t)st.st_size : base;
		}
		uint64_t bs = (uint64_t)c->c, nblocks = (end - base + bs - 1) / bs;
		if (nblocks > 0) {
			char *buf = mmap(NULL, bs, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (buf == MAP_FAILED) {
				e = errno;
			} else {
				struct gen g;
				double alpha = 0;
				if (kind == PAT_ZIPF) memcpy(&alpha, &c->e, sizeof alpha);
				/* a stride in bytes is one in blocks: the runner gives its generator stride / bs pages */
				gen_init(&g, kind, nblocks, kind == PAT_STRIDE ? (uint64_t)c->e / bs * PAGE : 0, alpha, &wrng);
				uint64_t per = c->d > 0 ? (uint64_t)c->d : nblocks, total = per * (uint64_t)(c->f > 0 ? c->f : 1);
				per_pass = (int64_t)per;
				for (uint64_t done = 0; done < total && !e; done++, calls++) {
					uint64_t off = base + gen_next(&g) * bs, n = end - off < bs ? end - off : bs;
					ssize_t r = op == FOP_READ ? pread(fd, buf, n, (off_t)off) : pwrite(fd, buf, n, (off_t)off);
					if (r < 0) e = errno;
					if ((done + 1) % PROGRESS_EVERY == 0) reply(RP_PROG, (int64_t)(done + 1), (int64_t)per, 0);
				}
				munmap(buf, bs);
			}
		}
	}
	close(fd);
	if (e) reply(RP_ERR, e, 0, 0);
	else reply(RP_OK, calls, per_pass, 0); /* as a touch: calls made, calls a pass (the virtual cost) */
}

/* A mapping made for region c->region of c->a bytes at p: recorded under its name, and the address replied. */
static void mapped(const struct cmd *c, void *p) {
	if (c->region >= 0 && c->region < MAX_REGIONS) {
		regions[c->region].addr = (uint64_t)(uintptr_t)p;
		regions[c->region].len = (uint64_t)c->a;
		regions[c->region].used = 1;
	}
	reply(RP_OK, (int64_t)(uintptr_t)p, 0, 0);
}

static void worker_step(struct cmd *c) {
	uint64_t addr, len;
	long r;
	switch (c->op) {
	case OP_MMAP: { /* a size, b prot, c flags, d addr hint; s1 a file (or ""), e its offset */
		int fd = -1;
		if (c->s1[0]) {
			/* as the runner: read-write for a writable shared mapping, else read-only; closed after */
			int rw = (c->c & MAP_SHARED) && (c->b & PROT_WRITE);
			fd = open(c->s1, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
			if (fd < 0) {
				reply(RP_ERR, errno, 0, 0);
				return;
			}
		}
		void *p = mmap((void *)(uintptr_t)c->d, (size_t)c->a, (int)c->b, (int)c->c, fd, (off_t)c->e);
		int e = errno;
		if (fd >= 0) close(fd);
		if (p == MAP_FAILED) {
			reply(RP_ERR, e, 0, 0);
			return;
		}
		mapped(c, p);
		return;
	}
	case OP_MUNMAP:
	case OP_MPROTECT:
	case OP_MADVISE:
	case OP_MLOCK:
	case OP_MUNLOCK:
	case OP_MSYNC: /* a offset, b length (-1: to the end), d prot / advice / onfault / msync flags */
		if (region_range(c, &addr, &len) < 0) {
			reply(RP_FAIL, 0, 0, 0);
			return;
		}
		if (c->op == OP_MUNMAP) r = munmap((void *)(uintptr_t)addr, len);
		else if (c->op == OP_MPROTECT) r = mprotect((void *)(uintptr_t)addr, len, (int)c->d);
		else if (c->op == OP_MADVISE) r = madvise((void *)(uintptr_t)addr, len, (int)c->d);
		else if (c->op == OP_MLOCK) r = c->d ? syscall(SYS_mlock2, (void *)(uintptr_t)addr, len, MLOCK_ONFAULT) : mlock((void *)(uintptr_t)addr, len);
		else if (c->op == OP_MSYNC) r = msync((void *)(uintptr_t)addr, len, (int)c->d);
		else r = munlock((void *)(uintptr_t)addr, len);
		if (r < 0) {
			reply(RP_ERR, errno, 0, 0);
			return;
		}
		/* the runner forgets a region unmapped whole */
		if (c->op == OP_MUNMAP && addr == regions[c->region].addr && len >= regions[c->region].len) regions[c->region].used = 0;
		reply(RP_OK, 0, 0, 0);
		return;
	case OP_MREMAP: { /* a new size, b may_move */
		if (c->region < 0 || c->region >= MAX_REGIONS || !regions[c->region].used) {
			reply(RP_FAIL, 0, 0, 0);
			return;
		}
		void *p = mremap((void *)(uintptr_t)regions[c->region].addr, regions[c->region].len, (size_t)c->a, c->b ? MREMAP_MAYMOVE : 0);
		if (p == MAP_FAILED) {
			reply(RP_ERR, errno, 0, 0);
			return;
		}
		regions[c->region].addr = (uint64_t)(uintptr_t)p;
		regions[c->region].len = (uint64_t)c->a;
		reply(RP_OK, (int64_t)(uintptr_t)p, 0, 0);
		return;
	}
	case OP_BRK: { /* a grow; region = the heap's name, or -1 */
		if (heap_start == 0) heap_start = read_start_brk();
		uint64_t old = (uint64_t)syscall(SYS_brk, 0);
		if (c->a != 0) {
			uint64_t want = old + (uint64_t)c->a;
			if ((uint64_t)syscall(SYS_brk, want) != want) {
				reply(RP_ERR, ENOMEM, 0, 0);
				return;
			}
		}
		if (c->region >= 0 && c->region < MAX_REGIONS) {
			regions[c->region].addr = heap_start;
			regions[c->region].len = (old + (uint64_t)c->a - heap_start + PAGE - 1) / PAGE * PAGE;
			regions[c->region].used = 1;
		}
		reply(RP_OK, (int64_t)old, 0, 0);
		return;
	}
	case OP_TOUCH:
		do_touch(c);
		return;
	case OP_FORK: { /* a child index, b child's command fd here, c child seed, d has adj, e adj */
		pid_t pid = fork();
		if (pid < 0) {
			reply(RP_ERR, errno, 0, 0);
			return;
		}
		if (pid == 0) {
			dup2((int)c->b, CMD_FD);
			close((int)c->b);
			widx = (int)c->a;
			prng_init(&wrng, (uint32_t)c->c);
			if (c->d) set_adj(c->e);
			reply(RP_HELLO, getpid(), 0, 0);
			return;
		}
		close((int)c->b);
		reply(RP_OK, pid, 0, 0);
		return;
	}
	case OP_EXIT:
		_exit((int)c->a);
	case OP_ADJ: {
		char t[24];
		struct sbuf b = {t, 0, sizeof t - 1};
		sb_i64(&b, c->a);
		sb_put(&b, "\n", 1);
		int e = write_file("/proc/self/oom_score_adj", t, b.len);
		if (e) reply(RP_ERR, e, 0, 0);
		else reply(RP_OK, 0, 0, 0);
		return;
	}
	case OP_WRITE: {
		size_t n = strlen(c->s2);
		c->s2[n] = '\n'; /* as echo VALUE > PATH writes it */
		int e = write_file(c->s1, c->s2, n + 1);
		if (e) reply(RP_ERR, e, 0, 0);
		else reply(RP_OK, 0, 0, 0);
		return;
	}
	case OP_SWAPON: { /* a size, b priority (or -1: none), c rotational */
		int e = mkswap(c->s1, (uint64_t)c->a);
		if (!e) {
			/* /sys/block/vdX/queue/rotational: virtio disks are rotational unless told */
			const char *dev = strrchr(c->s1, '/');
			if (dev) {
				char q[128];
				struct sbuf b = {q, 0, sizeof q - 1};
				sb_str(&b, "/sys/block/");
				sb_str(&b, dev + 1);
				sb_str(&b, "/queue/rotational");
				q[b.len] = 0;
				write_file(q, c->c ? "1\n" : "0\n", 2);
			}
			int flags = c->b >= 0 ? SWAP_FLAG_PREFER | ((int)c->b & SWAP_FLAG_PRIO_MASK) : 0;
			if (swapon(c->s1, flags) < 0) e = errno;
		}
		if (e) reply(RP_ERR, e, 0, 0);
		else reply(RP_OK, 0, 0, 0);
		return;
	}
	case OP_SWAPOFF:
		if (swapoff(c->s1) < 0) reply(RP_ERR, errno, 0, 0);
		else reply(RP_OK, 0, 0, 0);
		return;
	case OP_MOUNT:
		do_mount(c);
		return;
	case OP_FILE:
		do_file(c);
		return;
	case OP_SYNC:
		sync();
		reply(RP_OK, 0, 0, 0);
		return;
	case OP_MEMFD: { /* s1 name, a size, b prot, c flags, d seals, e sealable: memfd_create, ftruncate, F_ADD_SEALS, mmap, close */
		int fd = (int)syscall(SYS_memfd_create, c->s1, c->e ? 2U /* MFD_ALLOW_SEALING */ : 0U);
		if (fd < 0) {
			reply(RP_ERR, errno, 0, 0);
			return;
		}
		int e = 0;
		void *p = MAP_FAILED;
		if (ftruncate(fd, (off_t)c->a) < 0) e = errno;
		else if (c->d && fcntl(fd, 1033 /* F_ADD_SEALS */, (int)c->d) < 0) e = errno;
		else if ((p = mmap(NULL, (size_t)c->a, (int)c->b, (int)c->c, fd, 0)) == MAP_FAILED) e = errno;
		close(fd);
		if (e) {
			reply(RP_ERR, e, 0, 0);
			return;
		}
		mapped(c, p);
		return;
	}
	default:
		reply(RP_FAIL, 0, 0, 0);
	}
}

static int worker_main(int argc, char **argv) {
	if (argc < 6) return 2;
	widx = (int)strtol(argv[2], 0, 10);
	prctl(PR_SET_NAME, argv[3], 0, 0, 0);
	set_adj(strtol(argv[4], 0, 10));
	prng_init(&wrng, (uint32_t)strtoul(argv[5], 0, 10));
	reply(RP_HELLO, getpid(), 0, 0);
	static struct cmd c;
	for (;;) {
		if (read_full(CMD_FD, &c, sizeof c) < 0) _exit(0);
		worker_step(&c);
	}
}

/* ------------------------------------------------------------------ the supervisor's input */

#define MAX_PROCS 64
#define MAX_STEPS 4096
#define MAX_CAPS 2048
#define MAX_ATS 64
#define MAX_SYSCTLS 64
#define LINE_MAX_LEN 4096

enum { K_MMAP = 1, K_MUNMAP, K_MPROTECT, K_MREMAP, K_BRK, K_MADVISE, K_MLOCK, K_MUNLOCK, K_TOUCH, K_FORK, K_EXIT,
       K_ADJ, K_WRITE, K_SWAPON, K_SWAPOFF, K_SLEEP, K_WAIT, K_NOP, K_MOUNT, K_FILE, K_MEMFD, K_SYNC, K_MSYNC };

struct capspec {
	char label[128];
	char path[256];
};

struct step {
	int kind;
	int region;
	int64_t a, b, c, d, e;
	int64_t cost_ns;       /* touch: virtual picoseconds per access */
	int64_t first_ns;      /* touch: more virtual picoseconds for each access of the first pass */
	int64_t first_n;       /* touch, file: passes (the command's f) */
	int64_t mode;          /* file: op | pattern << 4 | direct << 8 | advice << 12; mount: readonly */
	char expect_err[32];
	char path[64];         /* processes[0].run[3], for messages */
	char s1[256];
	char s2[768];
	int cap0, ncap;        /* captures after the step: caps[cap0 .. cap0+ncap) */
};

enum { P_UNSTARTED, P_STARTING, P_READY, P_BUSY, P_SLEEPING, P_WAITING, P_HOLDING, P_DEAD };
static const char *const PSTATE[] = {"unstarted", "starting", "ready", "busy", "sleeping", "waiting", "holding", "dead"};

struct proc {
	char name[64];
	int parent;
	int64_t start_ns;
	int64_t adj;
	uint32_t seed;
	int step0, nsteps, pc;
	int state;
	int64_t lvt;         /* virtual ns this process has reached */
	int64_t wake;        /* sleeping: until; unstarted: start */
	int waitfor;
	pid_t pid;
	int pidfd;
	int cmdfd;           /* write end of its command pipe (supervisor side) */
	int cmdrd;           /* read end (handed to the worker) */
	int dead_how;        /* 0 exited, 1 killed */
	int dead_code;       /* exit code or signal */
	int64_t touch_start; /* lvt when the current touch began */
	int cur;             /* index of the step outstanding, or -1 */
	int fd_in_parent;    /* for forked processes: the fd number their command pipe has in the top-level worker */
	int top;             /* the top-level process whose worker carries this one's fds */
	char cg[128];        /* a top-level process's cgroup directory ("" the root): joined before exec */
};

/* Everything the supervisor keeps lives in memory it maps at run time, sized to the input, so
 * the workers (the same binary) carry no large bss: their VmData and Committed_AS stay close to
 * the model's static program image. */
struct input {
	char name[128];
	int64_t limit_ns;
	int64_t maxsleep_ns;
	int nprocs, nsteps, ncaps, nstart, nend, nsysctl;
	int maxsteps, maxcaps;
	struct proc procs[MAX_PROCS];
	struct capspec atstart[MAX_ATS], atend[MAX_ATS];
	struct capspec sysctl[MAX_SYSCTLS]; /* label = path, path = value (decoded); or a mkdir */
	int sysctl_mkdir[MAX_SYSCTLS];      /* 1: the entry is `mkdir PATH` (a memory cgroup) */
	struct step *steps;
	struct capspec *caps;
};
static struct input *IN;
#define in (*IN)

static char errmsg[512];

static void *map_anon(size_t n) {
	void *p = mmap(0, n ? n : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? 0 : p;
}

/* Percent-decoding: the compiler encodes space, %, = and every byte outside 0x21-0x7e. */
static int pdecode(const char *s, size_t n, char *out, size_t cap) {
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n) return -1;
			int v = 0;
			for (int k = 1; k <= 2; k++) {
				int h = (unsigned char)s[i + k];
				v <<= 4;
				if (h >= '0' && h <= '9') v |= h - '0';
				else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
				else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
				else return -1;
			}
			c = v;
			i += 2;
		}
		if (o + 1 >= cap) return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return (int)o;
}

static int parse_i64(const char *s, size_t n, int64_t *v) {
	int neg = 0;
	size_t i = 0;
	uint64_t x = 0;
	if (n == 0) return -1;
	if (s[0] == '-') {
		neg = 1;
		i = 1;
		if (n == 1) return -1;
	}
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return -1;
		if (x > (UINT64_MAX - 9) / 10) return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > (uint64_t)INT64_MAX) return -1;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}

/* The line's tokens: word [key=value ...]. */
#define MAX_TOK 64
struct toks {
	int n;
	const char *s[MAX_TOK];
	size_t len[MAX_TOK];
};

static int tokenize(char *line, size_t n, struct toks *t) {
	t->n = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && line[i] == ' ') i++;
		if (i >= n) break;
		if (t->n >= MAX_TOK) return -1;
		t->s[t->n] = line + i;
		size_t j = i;
		while (j < n && line[j] != ' ') j++;
		t->len[t->n++] = j - i;
		i = j;
	}
	return 0;
}

/* Finds key=value among tokens from index `from`; returns the value (not NUL-terminated). */
static const char *kv(const struct toks *t, int from, const char *key, size_t *vlen) {
	size_t kl = strlen(key);
	for (int i = from; i < t->n; i++) {
		if (t->len[i] > kl && memcmp(t->s[i], key, kl) == 0 && t->s[i][kl] == '=') {
			*vlen = t->len[i] - kl - 1;
			return t->s[i] + kl + 1;
		}
	}
	return 0;
}

static int kv_i64(const struct toks *t, int from, const char *key, int64_t *v, int required) {
	size_t n;
	const char *s = kv(t, from, key, &n);
	if (!s) return required ? -1 : 0;
	return parse_i64(s, n, v);
}

static int kv_str(const struct toks *t, int from, const char *key, char *out, size_t cap, int required) {
	size_t n;
	const char *s = kv(t, from, key, &n);
	if (!s) {
		out[0] = 0;
		return required ? -1 : 0;
	}
	return pdecode(s, n, out, cap) < 0 ? -1 : 0;
}

/*
 * A touch's or file step's "param": for the zipf pattern the 16 hex digits of a double's bits
 * (alpha, 0 < alpha <= 1e6), else a plain integer. Returns nonzero when it is malformed.
 */
static int kv_pattern_param(const struct toks *t, int64_t pattern, int64_t *param) {
	if (pattern != PAT_ZIPF) return kv_i64(t, 3, "param", param, 0);
	size_t pl;
	const char *ps = kv(t, 3, "param", &pl);
	uint64_t bits = 0;
	int bad = 0;
	if (!ps || pl != 16) bad = 1;
	for (size_t q = 0; ps && q < pl && q < 16; q++) {
		int h = ps[q];
		bits = bits * 16 + (uint64_t)(h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : (bad = 1, 0));
	}
	memcpy(param, &bits, sizeof *param);
	double alpha;
	memcpy(&alpha, &bits, sizeof alpha);
	if (!(alpha > 0) || alpha > 1e6) bad = 1;
	return bad;
}


static int word_is(const struct toks *t, int i, const char *w) { return i < t->n && t->len[i] == strlen(w) && memcmp(t->s[i], w, t->len[i]) == 0; }

static const struct {
	const char *name;
	int kind;
} KINDS[] = {{"mmap", K_MMAP}, {"munmap", K_MUNMAP}, {"mprotect", K_MPROTECT}, {"mremap", K_MREMAP}, {"brk", K_BRK},
	     {"madvise", K_MADVISE}, {"mlock", K_MLOCK}, {"munlock", K_MUNLOCK}, {"touch", K_TOUCH}, {"fork", K_FORK},
	     {"exit", K_EXIT}, {"oom_score_adj", K_ADJ}, {"write", K_WRITE}, {"swapon", K_SWAPON}, {"swapoff", K_SWAPOFF},
	     {"sleep", K_SLEEP}, {"wait", K_WAIT}, {"nop", K_NOP}, {"mount", K_MOUNT}, {"file", K_FILE}, {"memfd", K_MEMFD},
	     {"sync", K_SYNC}, {"msync", K_MSYNC}};

static int fail_line(int line, const char *what) {
	struct sbuf b = {errmsg, 0, sizeof errmsg - 1};
	sb_str(&b, "line ");
	sb_u64(&b, (uint64_t)line);
	sb_str(&b, ": ");
	sb_str(&b, what);
	errmsg[b.len] = 0;
	return -1;
}

/*
 * The input, one statement per line ('#' starts a comment line):
 *   mmguest 1                                  first line: format and version
 *   scenario NAME                              names the run in the markers
 *   limit NS / maxsleep NS                     virtual time limit; longest real sleep
 *   atstart LABEL PATH / atend LABEL PATH      files captured before the processes start / after they end
 *   sysctl PATH VALUE                          machine sysctls, written after the start captures
 *   mkdir PATH                                 a cgroup directory, made in order with the sysctls
 *                                              (cgroup2 is mounted on /sys/fs/cgroup first)
 *   proc IDX NAME parent=P start=NS adj=N seed=U32 [cg=DIR]   a process (parent -1: started by
 *                                              init), started in cgroup DIR (written before exec)
 *   step PROC KIND at=PATH [expect=ERRNO] [key=value ...]   the next step of PROC's program
 *   cap LABEL PATH                             a capture after the step just above
 *   end                                        the last line (a truncated file is refused)
 */
static int parse_input(char *buf, size_t n) {
	size_t pos = 0;
	int line = 0, seen_end = 0, seen_header = 0, last_step = -1;
	char tmp[64];
	in.limit_ns = 3600LL * 1000000000LL;
	in.maxsleep_ns = 5LL * 1000000000LL;
	while (pos < n) {
		size_t e = pos;
		while (e < n && buf[e] != '\n') e++;
		char *l = buf + pos;
		size_t len = e - pos;
		pos = e + 1;
		line++;
		if (len > 0 && l[len - 1] == '\r') len--;
		if (len >= LINE_MAX_LEN) return fail_line(line, "line too long");
		if (len == 0 || l[0] == '#') continue;
		if (seen_end) return fail_line(line, "text after end");
		struct toks t;
		if (tokenize(l, len, &t) < 0 || t.n == 0) return fail_line(line, "too many words");
		if (word_is(&t, 0, "mmguest")) {
			if (!word_is(&t, 1, "1")) return fail_line(line, "unsupported format version (this mmguest reads version 1)");
			if (seen_header) return fail_line(line, "a second mmguest line");
			seen_header = 1;
			continue;
		}
		if (!seen_header) return fail_line(line, "the input must start with the line: mmguest 1");
		if (word_is(&t, 0, "scenario")) {
			if (t.n < 2 || pdecode(t.s[1], t.len[1], in.name, sizeof in.name) < 0) return fail_line(line, "bad scenario name");
		} else if (word_is(&t, 0, "limit") || word_is(&t, 0, "maxsleep")) {
			int64_t v;
			if (t.n < 2 || parse_i64(t.s[1], t.len[1], &v) < 0 || v < 0) return fail_line(line, "bad number");
			if (word_is(&t, 0, "limit")) in.limit_ns = v;
			else in.maxsleep_ns = v;
		} else if (word_is(&t, 0, "atstart") || word_is(&t, 0, "atend") || word_is(&t, 0, "cap") || word_is(&t, 0, "sysctl")) {
			struct capspec *c;
			if (word_is(&t, 0, "atstart")) {
				if (in.nstart >= MAX_ATS) return fail_line(line, "too many atstart files");
				c = &in.atstart[in.nstart++];
			} else if (word_is(&t, 0, "atend")) {
				if (in.nend >= MAX_ATS) return fail_line(line, "too many atend files");
				c = &in.atend[in.nend++];
			} else if (word_is(&t, 0, "sysctl")) {
				if (in.nsysctl >= MAX_SYSCTLS) return fail_line(line, "too many sysctls");
				c = &in.sysctl[in.nsysctl++];
			} else {
				if (last_step < 0) return fail_line(line, "cap before any step");
				if (in.ncaps >= in.maxcaps) return fail_line(line, "too many captures");
				c = &in.caps[in.ncaps++];
				in.steps[last_step].ncap++;
			}
			if (t.n != 3 || pdecode(t.s[1], t.len[1], c->label, sizeof c->label) < 0 || pdecode(t.s[2], t.len[2], c->path, sizeof c->path) < 0)
				return fail_line(line, "expected: LABEL PATH");
		} else if (word_is(&t, 0, "mkdir")) {
			if (in.nsysctl >= MAX_SYSCTLS) return fail_line(line, "too many sysctls");
			struct capspec *c = &in.sysctl[in.nsysctl];
			if (t.n != 2 || pdecode(t.s[1], t.len[1], c->label, sizeof c->label) < 0 || c->label[0] != '/') return fail_line(line, "expected: mkdir /PATH");
			c->path[0] = 0;
			in.sysctl_mkdir[in.nsysctl++] = 1;
		} else if (word_is(&t, 0, "proc")) {
			int64_t idx, parent = -1, start = 0, adj = 0, seed = 0;
			if (in.nprocs >= MAX_PROCS) return fail_line(line, "too many processes");
			if (t.n < 3 || parse_i64(t.s[1], t.len[1], &idx) < 0 || idx != in.nprocs) return fail_line(line, "processes must be numbered 0, 1, 2, ... in order");
			struct proc *p = &in.procs[in.nprocs];
			memset(p, 0, sizeof *p);
			if (pdecode(t.s[2], t.len[2], p->name, sizeof p->name) < 0 || p->name[0] == 0) return fail_line(line, "bad process name");
			if (kv_i64(&t, 3, "parent", &parent, 0) < 0 || parent < -1 || parent >= idx || kv_i64(&t, 3, "start", &start, 0) < 0 || start < 0 ||
			    kv_i64(&t, 3, "adj", &adj, 0) < 0 || adj < -1000 || adj > 1000 || kv_i64(&t, 3, "seed", &seed, 1) < 0 || seed < 0 || seed > 0xffffffffLL)
				return fail_line(line, "bad parent, start, adj or seed");
			if (kv_str(&t, 3, "cg", p->cg, sizeof p->cg, 0) < 0 || (p->cg[0] && (parent != -1 || p->cg[0] != '/'))) return fail_line(line, "bad cg");
			p->parent = (int)parent;
			p->start_ns = start;
			p->adj = adj;
			p->seed = (uint32_t)seed;
			p->step0 = in.nsteps;
			p->cur = -1;
			p->waitfor = -1;
			p->pidfd = -1;
			p->cmdfd = -1;
			p->cmdrd = -1;
			in.nprocs++;
		} else if (word_is(&t, 0, "step")) {
			int64_t pi;
			if (in.nsteps >= in.maxsteps) return fail_line(line, "too many steps");
			if (t.n < 3 || parse_i64(t.s[1], t.len[1], &pi) < 0 || pi < 0 || pi >= in.nprocs) return fail_line(line, "step of an unknown process");
			struct proc *p = &in.procs[pi];
			if (p->nsteps == 0) p->step0 = in.nsteps;
			else if (p->step0 + p->nsteps != in.nsteps) return fail_line(line, "a process's steps must be consecutive");
			struct step *s = &in.steps[in.nsteps];
			memset(s, 0, sizeof *s);
			s->region = -1;
			for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++)
				if (word_is(&t, 2, KINDS[k].name)) s->kind = KINDS[k].kind;
			if (!s->kind) return fail_line(line, "unknown step kind");
			int64_t region = -1;
			if (kv_str(&t, 3, "at", s->path, sizeof s->path, 0) < 0 || kv_str(&t, 3, "expect", s->expect_err, sizeof s->expect_err, 0) < 0 ||
			    kv_i64(&t, 3, "region", &region, 0) < 0 || region < -1 || region >= MAX_REGIONS)
				return fail_line(line, "bad at, expect or region");
			s->region = (int)region;
			int bad = 0;
			int64_t v;
			switch (s->kind) {
			case K_MMAP:
				bad = kv_i64(&t, 3, "size", &s->a, 1) | kv_i64(&t, 3, "prot", &s->b, 1) | kv_i64(&t, 3, "flags", &s->c, 1) | kv_i64(&t, 3, "addr", &s->d, 0) |
				      kv_str(&t, 3, "file", s->s1, sizeof s->s1, 0) | kv_i64(&t, 3, "foff", &s->e, 0);
				bad |= s->a <= 0 || s->region < 0 || s->e < 0;
				break;
			case K_MEMFD: /* region name size prot flags seals sealable */
				bad = kv_str(&t, 3, "name", s->s1, sizeof s->s1, 1) | kv_i64(&t, 3, "size", &s->a, 1) | kv_i64(&t, 3, "prot", &s->b, 1) |
				      kv_i64(&t, 3, "flags", &s->c, 1) | kv_i64(&t, 3, "seals", &s->d, 0) | kv_i64(&t, 3, "sealable", &s->e, 0);
				bad |= s->a <= 0 || s->region < 0 || s->d < 0 || s->d > 31;
				break;
			case K_MOUNT: /* path type (0 tmpfs, 1 ext2) opts (tmpfs) or dev (ext2) ro */
				bad = kv_str(&t, 3, "path", s->s1, sizeof s->s1, 1) | kv_i64(&t, 3, "type", &s->a, 1) | kv_i64(&t, 3, "ro", &s->b, 0);
				/* (a separate statement: the type decides which key holds the string) */
				bad |= kv_str(&t, 3, s->a == 1 ? "dev" : "opts", s->s2, sizeof s->s2, 0);
				bad |= s->a < 0 || s->a > 1 || (s->a == 1 && !s->s2[0]);
				break;
			case K_FILE: {
				/* path op off len (-1: to the end) bs pattern param count repeat direct advice ps */
				int64_t op = 0, pattern = 0, param = 0, direct = 0, advice = 0, repeat = 1;
				s->b = -1;
				s->c = PAGE;
				bad = kv_str(&t, 3, "path", s->s1, sizeof s->s1, 1) | kv_i64(&t, 3, "op", &op, 1) | kv_i64(&t, 3, "off", &s->a, 0) |
				      kv_i64(&t, 3, "len", &s->b, 0) | kv_i64(&t, 3, "bs", &s->c, 0) | kv_i64(&t, 3, "pattern", &pattern, 0) |
				      kv_i64(&t, 3, "count", &s->d, 0) | kv_i64(&t, 3, "repeat", &repeat, 0) | kv_i64(&t, 3, "direct", &direct, 0) |
				      kv_i64(&t, 3, "advice", &advice, 0) | kv_i64(&t, 3, "ps", &s->cost_ns, 0);
				bad |= kv_pattern_param(&t, pattern, &param);
				bad |= op < FOP_CREATE || op > FOP_FDATASYNC || pattern < 0 || pattern > 3 || s->a < 0 || s->b < -1 || s->c < 1 || s->c > (64 << 20) ||
				       s->d < 0 || repeat < 1 || direct < 0 || direct > 1 || advice < 0 || advice > 5 || s->cost_ns < 0 || param < 0;
				s->mode = op | (pattern << 4) | (direct << 8) | (advice << 12);
				s->e = param;
				s->first_n = repeat;
				break;
			}
			case K_MUNMAP:
			case K_MPROTECT:
			case K_MADVISE:
			case K_MLOCK:
			case K_MUNLOCK:
			case K_MSYNC:
				s->b = -1;
				bad = kv_i64(&t, 3, "off", &s->a, 0) | kv_i64(&t, 3, "len", &s->b, 0);
				if (s->kind == K_MPROTECT) bad |= kv_i64(&t, 3, "prot", &s->d, 1);
				if (s->kind == K_MADVISE) bad |= kv_i64(&t, 3, "advice", &s->d, 1);
				if (s->kind == K_MLOCK) bad |= kv_i64(&t, 3, "onfault", &s->d, 0);
				if (s->kind == K_MSYNC) bad |= kv_i64(&t, 3, "flags", &s->d, 1);
				bad |= s->region < 0 || s->a < 0;
				break;
			case K_MREMAP:
				bad = kv_i64(&t, 3, "size", &s->a, 1) | kv_i64(&t, 3, "maymove", &s->b, 0) | (s->region < 0);
				break;
			case K_BRK:
				bad = kv_i64(&t, 3, "grow", &s->a, 1);
				break;
			case K_TOUCH: {
				/* off len write pattern param (stride bytes, or zipf's alpha as 16 hex digits of its
				 * IEEE bits) count (0: one per page) repeat ps (virtual ps per access) firstps (more
				 * for each access of the first pass) */
				int64_t access = 0, pattern = 0, count = 0, repeat = 1, param = 0;
				s->b = -1;
				bad = kv_i64(&t, 3, "off", &s->a, 0) | kv_i64(&t, 3, "len", &s->b, 0) | kv_i64(&t, 3, "write", &access, 0) |
				      kv_i64(&t, 3, "pattern", &pattern, 1) | kv_i64(&t, 3, "count", &count, 1) | kv_i64(&t, 3, "repeat", &repeat, 0) |
				      kv_i64(&t, 3, "ps", &s->cost_ns, 0) | kv_i64(&t, 3, "firstps", &s->first_ns, 0);
				bad |= kv_pattern_param(&t, pattern, &param);
				bad |= s->region < 0 || pattern < 0 || pattern > 3 || count < 0 || repeat < 1 || access < 0 || access > 1 || s->cost_ns < 0 || s->first_ns < 0 || s->a < 0;
				bad |= pattern == PAT_STRIDE && param < 0;
				s->c = access | (pattern << 8);
				s->d = count;
				s->e = param;
				s->first_n = repeat; /* (the repeat count travels in first_n until the command is built) */
				break;
			}
			case K_FORK:
				s->d = 0;
				bad = kv_i64(&t, 3, "child", &s->a, 1);
				if (kv(&t, 3, "adj", &(size_t){0})) {
					s->d = 1;
					bad |= kv_i64(&t, 3, "adj", &s->e, 1);
				}
				/* the child is declared before the fork that starts it, with this process as its parent */
				bad |= s->a <= pi || s->a >= in.nprocs || in.procs[s->a].parent != pi;
				break;
			case K_EXIT:
				bad = kv_i64(&t, 3, "code", &s->a, 0);
				break;
			case K_ADJ:
				bad = kv_i64(&t, 3, "value", &s->a, 1);
				break;
			case K_WRITE:
				bad = kv_str(&t, 3, "path", s->s1, sizeof s->s1, 1) | kv_str(&t, 3, "value", s->s2, sizeof s->s2, 1);
				break;
			case K_SWAPON:
				s->b = -1;
				s->c = 1;
				bad = kv_str(&t, 3, "path", s->s1, sizeof s->s1, 1) | kv_i64(&t, 3, "size", &s->a, 1) | kv_i64(&t, 3, "prio", &s->b, 0) |
				      kv_i64(&t, 3, "rot", &s->c, 0);
				break;
			case K_SWAPOFF:
				bad = kv_str(&t, 3, "path", s->s1, sizeof s->s1, 1);
				break;
			case K_SLEEP:
				bad = kv_i64(&t, 3, "ns", &s->a, 1) | (s->a < 0);
				break;
			case K_WAIT:
				bad = kv_i64(&t, 3, "proc", &v, 1);
				s->a = v;
				bad |= v < 0 || v >= MAX_PROCS;
				break;
			default:
				break;
			}
			if (bad) return fail_line(line, "missing or bad value for this step kind");
			s->cap0 = in.ncaps;
			p->nsteps++;
			last_step = in.nsteps++;
		} else if (word_is(&t, 0, "end")) {
			seen_end = 1;
		} else {
			memcpy(tmp, t.s[0], t.len[0] < 60 ? t.len[0] : 60);
			tmp[t.len[0] < 60 ? t.len[0] : 60] = 0;
			struct sbuf b = {errmsg, 0, sizeof errmsg - 1};
			sb_str(&b, "line ");
			sb_u64(&b, (uint64_t)line);
			sb_str(&b, ": unknown statement \"");
			sb_str(&b, tmp);
			sb_str(&b, "\"");
			errmsg[b.len] = 0;
			return -1;
		}
	}
	if (!seen_end) return fail_line(line, "no end line (truncated input?)");
	for (int i = 0; i < in.nsteps; i++)
		if (in.steps[i].kind == K_WAIT && in.steps[i].a >= in.nprocs) return fail_line(0, "wait for an unknown process");
	return 0;
}

/* ------------------------------------------------------------------ the supervisor */

static int native;
static int reply_rd = -1, reply_wr = -1;
#define CAPBUF_SIZE (256 << 10)
static char *capbuf, *outbuf; /* CAPBUF_SIZE and CAPBUF_SIZE + 4096 bytes, mapped at start */
static struct timespec t0;
static int64_t vt; /* the virtual time reached by every running process */

static int64_t wall_us(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)(t.tv_sec - t0.tv_sec) * 1000000 + (t.tv_nsec - t0.tv_nsec) / 1000;
}

/* "@@RK-EV <vt_ns> <wall_us> <kind> <rest>@@" */
static void event(const char *kind, const char *rest) {
	char t[1400];
	struct sbuf b = {t, 0, sizeof t - 3};
	sb_str(&b, "@@RK-EV ");
	sb_i64(&b, vt);
	sb_str(&b, " ");
	sb_i64(&b, wall_us());
	sb_str(&b, " ");
	sb_str(&b, kind);
	if (rest && rest[0]) {
		sb_str(&b, " ");
		sb_str(&b, rest);
	}
	sb_str(&b, "@@\n");
	wr(1, t, b.len);
}

/* Appends a string percent-encoded as the compiler encodes it: bytes outside 0x21-0x7e and % = @,
 * so a value never splits an event line's key=value pairs or a marker. */
static void sb_enc(struct sbuf *b, const char *v) {
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%' || *p == '=' || *p == '@') {
			char h[3] = {'%', "0123456789ABCDEF"[*p >> 4], "0123456789ABCDEF"[*p & 15]};
			sb_put(b, h, 3);
		} else
			sb_put(b, (const char *)p, 1);
	}
}

/* Appends " key=value", the value encoded. */
static void sb_kv(struct sbuf *b, const char *k, const char *v) {
	sb_str(b, " ");
	sb_str(b, k);
	sb_str(b, "=");
	sb_enc(b, v);
}

/* "@@RK-BEGIN label@@\n" (or END): the label encoded, so any label survives the console. */
static void sb_marker(struct sbuf *b, const char *which, const char *label) {
	sb_str(b, "@@RK-");
	sb_str(b, which);
	sb_str(b, " ");
	sb_enc(b, label);
	sb_str(b, "@@\n");
}

static size_t read_path(const char *path, char *buf, size_t cap, int *err) {
	*err = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return 0;
	}
	size_t n = 0;
	for (;;) {
		if (n >= cap) break;
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR) continue;
			*err = errno;
			break;
		}
		if (r == 0) break;
		n += (size_t)r;
	}
	close(fd);
	return n;
}

/* Resolves /proc/self/ to the capturing process and {name} to a process's pid. */
static int resolve_path(const char *in_path, int who, char *out, size_t cap) {
	struct sbuf b = {out, 0, cap - 1};
	const char *s = in_path;
	if (strncmp(s, "/proc/self/", 11) == 0 && who >= 0) {
		sb_str(&b, "/proc/");
		sb_i64(&b, in.procs[who].pid);
		sb_str(&b, "/");
		s += 11;
	}
	while (*s) {
		if (*s == '{') {
			const char *e = strchr(s, '}');
			if (e) {
				int found = -1;
				for (int i = 0; i < in.nprocs; i++)
					if (strlen(in.procs[i].name) == (size_t)(e - s - 1) && memcmp(in.procs[i].name, s + 1, (size_t)(e - s - 1)) == 0) found = i;
				if (found >= 0 && in.procs[found].pid > 0) {
					sb_i64(&b, in.procs[found].pid);
					s = e + 1;
					continue;
				}
			}
		}
		sb_put(&b, s, 1);
		s++;
	}
	out[b.len] = 0;
	return 0;
}

/* Prints one capture: the markers and the file in one write(), so nothing interleaves. */
static void capture(const char *label, const char *path, int who) {
	char real[512];
	resolve_path(path, who, real, sizeof real);
	int err;
	size_t n = read_path(real, capbuf, CAPBUF_SIZE, &err);
	struct sbuf b = {outbuf, 0, (CAPBUF_SIZE + 4096)};
	sb_marker(&b, "BEGIN", label);
	if (err && n == 0) {
		/* as cat would say it */
		sb_str(&b, "cat: ");
		sb_str(&b, real);
		sb_str(&b, ": ");
		sb_str(&b, err == ENOENT ? "No such file or directory" : errname(err));
		sb_str(&b, "\n");
	} else
		sb_put(&b, capbuf, n);
	sb_marker(&b, "END", label);
	wr(1, outbuf, b.len);
	if (n == CAPBUF_SIZE) event("note", "capture truncated at 256 KiB");
}

/* The kernel log as dmesg prints it: "<6>" prefixes removed. */
static void capture_dmesg(void) {
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, 0, 0);
	if (size <= 0 || size > (int)CAPBUF_SIZE) size = CAPBUF_SIZE;
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, capbuf, size);
	struct sbuf b = {outbuf, 0, (CAPBUF_SIZE + 4096)};
	sb_marker(&b, "BEGIN", "@dmesg");
	int at_line = 1;
	for (int i = 0; i < n; i++) {
		if (at_line && capbuf[i] == '<') {
			int j = i + 1;
			while (j < n && capbuf[j] >= '0' && capbuf[j] <= '9') j++;
			if (j < n && capbuf[j] == '>') {
				i = j;
				at_line = 0;
				continue;
			}
		}
		at_line = capbuf[i] == '\n';
		sb_put(&b, capbuf + i, 1);
	}
	if (b.len > 0 && outbuf[b.len - 1] != '\n') sb_str(&b, "\n");
	sb_marker(&b, "END", "@dmesg");
	wr(1, outbuf, b.len);
}

/* Alive processes' pages at the end: for each VMA of /proc/PID/maps, how many pages are present
 * or swapped and an FNV-1a digest of their indices, so a test can check that both sides touched
 * the same set of pages. */
static void capture_pages(int i) {
	struct proc *p = &in.procs[i];
	char path[64], label[160];
	struct sbuf pb = {path, 0, sizeof path - 1};
	sb_str(&pb, "/proc/");
	sb_i64(&pb, p->pid);
	sb_str(&pb, "/maps");
	path[pb.len] = 0;
	int err;
	size_t n = read_path(path, capbuf, CAPBUF_SIZE / 2, &err);
	char *maps = capbuf;
	char *text = capbuf + CAPBUF_SIZE / 2;
	struct sbuf tb = {text, 0, CAPBUF_SIZE / 2};
	pb.len = 0;
	sb_str(&pb, "/proc/");
	sb_i64(&pb, p->pid);
	sb_str(&pb, "/pagemap");
	path[pb.len] = 0;
	int pm = open(path, O_RDONLY | O_CLOEXEC);
	size_t ls = 0;
	while (ls < n && pm >= 0) {
		size_t le = ls;
		while (le < n && maps[le] != '\n') le++;
		uint64_t start = 0, end = 0;
		size_t k = ls;
		while (k < le && maps[k] != '-') {
			int c = maps[k++];
			start = start * 16 + (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		k++;
		while (k < le && maps[k] != ' ') {
			int c = maps[k++];
			end = end * 16 + (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		uint64_t present = 0, swapped = 0;
		uint32_t h = 2166136261u;
		uint64_t ents[512];
		for (uint64_t a = start; a < end;) {
			uint64_t want = (end - a) / PAGE;
			if (want > 512) want = 512;
			ssize_t r = pread(pm, ents, want * 8, (off_t)(a / PAGE * 8));
			if (r <= 0) break;
			for (ssize_t j = 0; j < r / 8; j++) {
				uint64_t e = ents[j];
				int pr = (int)(e >> 63 & 1), sw = (int)(e >> 62 & 1);
				if (pr) present++;
				if (sw) swapped++;
				if (pr || sw) {
					uint32_t idx = (uint32_t)((a - start) / PAGE + (uint64_t)j);
					for (int q = 0; q < 4; q++) {
						h ^= (idx >> (8 * q)) & 0xff;
						h *= 16777619u;
					}
				}
			}
			a += (uint64_t)(r / 8) * PAGE;
		}
		sb_hex(&tb, start);
		sb_str(&tb, "-");
		sb_hex(&tb, end);
		sb_str(&tb, " present=");
		sb_u64(&tb, present);
		sb_str(&tb, " swapped=");
		sb_u64(&tb, swapped);
		sb_str(&tb, " digest=");
		sb_hex(&tb, h);
		sb_str(&tb, " ");
		sb_put(&tb, maps + ls, le - ls);
		sb_str(&tb, "\n");
		ls = le + 1;
	}
	if (pm >= 0) close(pm);
	struct sbuf lb = {label, 0, sizeof label - 1};
	sb_str(&lb, "@end.pages.");
	sb_str(&lb, p->name);
	label[lb.len] = 0;
	struct sbuf b = {outbuf, 0, (CAPBUF_SIZE + 4096)};
	sb_marker(&b, "BEGIN", label);
	sb_put(&b, text, tb.len);
	sb_marker(&b, "END", label);
	wr(1, outbuf, b.len);
}

static void proc_event(int i, const char *kind, const char *extra) {
	char t[1200];
	struct sbuf b = {t, 0, sizeof t - 1};
	sb_kv(&b, "proc", in.procs[i].name);
	sb_str(&b, " pid=");
	sb_i64(&b, in.procs[i].pid);
	if (extra) sb_str(&b, extra);
	t[b.len] = 0;
	event(kind, t + 1);
}

static void step_event(int i, const struct step *s, const char *result, int64_t value, int has_value) {
	char t[1200];
	struct sbuf b = {t, 0, sizeof t - 1};
	sb_kv(&b, "proc", in.procs[i].name);
	sb_str(&b, " pid=");
	sb_i64(&b, in.procs[i].pid);
	sb_kv(&b, "at", s->path);
	sb_str(&b, " result=");
	sb_str(&b, result);
	if (has_value) {
		sb_str(&b, " value=");
		sb_i64(&b, value);
	}
	t[b.len] = 0;
	event("step", t + 1);
}

static void send_cmd(struct proc *p, const struct cmd *c) { wr(p->cmdfd, (const char *)c, sizeof *c); }

/* fork + exec of a worker for a top-level process; it carries the command pipes of its whole
 * family (fds 5, 6, ... in process order) so its forks can hand them to their children. */
static void spawn(int i) {
	struct proc *p = &in.procs[i];
	char idx[16], adj[24], seed[16];
	struct sbuf b = {idx, 0, sizeof idx - 1};
	sb_i64(&b, i);
	idx[b.len] = 0;
	b = (struct sbuf){adj, 0, sizeof adj - 1};
	sb_i64(&b, p->adj);
	adj[b.len] = 0;
	b = (struct sbuf){seed, 0, sizeof seed - 1};
	sb_u64(&b, p->seed);
	seed[b.len] = 0;
	pid_t pid = fork();
	if (pid < 0) {
		p->state = P_DEAD;
		p->dead_how = 0;
		p->dead_code = 1;
		proc_event(i, "spawn_failed", 0);
		return;
	}
	if (pid == 0) {
		/* the family's fds first to high numbers, then into place */
		int next = 5;
		int hi = 200;
		dup2(p->cmdrd, hi++);
		dup2(reply_wr, hi++);
		for (int j = 0; j < in.nprocs; j++)
			if (j != i && in.procs[j].top == i) dup2(in.procs[j].cmdrd, hi++);
		dup2(200, CMD_FD);
		dup2(201, REPLY_FD);
		hi = 202;
		for (int j = 0; j < in.nprocs; j++)
			if (j != i && in.procs[j].top == i) dup2(hi++, next++);
		for (int fd = next; fd < 1024; fd++) close(fd);
		signal(SIGPIPE, SIG_DFL);
		if (p->cg[0]) {
			/* echo 0 > DIR/cgroup.procs moves the writer itself (cgroup_procs_write_start: pid 0 is
			 * current), before exec, so the image's pages are charged where the model charges them */
			char q[160];
			struct sbuf qb = {q, 0, sizeof q - 1};
			sb_str(&qb, p->cg);
			sb_str(&qb, "/cgroup.procs");
			q[qb.len] = 0;
			if (write_file(q, "0\n", 2)) _exit(126);
		}
		char *argv[] = {"mmguest", "worker", idx, p->name, adj, seed, 0};
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	p->state = P_STARTING;
	close(p->cmdrd);
	p->cmdrd = -1;
}

static void mark_dead(int i, int how, int code) {
	struct proc *p = &in.procs[i];
	if (p->state == P_DEAD) return;
	p->state = P_DEAD;
	p->dead_how = how;
	p->dead_code = code;
	p->cur = -1;
	char t[64];
	struct sbuf b = {t, 0, sizeof t - 1};
	sb_str(&b, how ? " signal=" : " code=");
	sb_i64(&b, code);
	t[b.len] = 0;
	proc_event(i, how ? "killed" : "exited", t);
	if (p->pidfd >= 0) close(p->pidfd);
	p->pidfd = -1;
	if (p->cmdfd >= 0) close(p->cmdfd);
	p->cmdfd = -1;
	/* who waited for it runs on */
	for (int j = 0; j < in.nprocs; j++)
		if (in.procs[j].state == P_WAITING && in.procs[j].waitfor == i) {
			in.procs[j].state = P_READY;
			in.procs[j].waitfor = -1;
			if (in.procs[j].lvt < vt) in.procs[j].lvt = vt;
		}
}

/* How a process that is gone ended: its own child's status, or (a grandchild, not reaped by its
 * parent) the exit_code field of its zombie's /proc/PID/stat. */
#define MAX_REAPED 256
static struct {
	pid_t pid;
	int status;
} reaped[MAX_REAPED];
static int nreaped;

static void reap_all(void) {
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (nreaped < MAX_REAPED) {
			reaped[nreaped].pid = pid;
			reaped[nreaped].status = st;
			nreaped++;
		}
	}
}

static int status_of(pid_t pid, int *how, int *code) {
	reap_all();
	for (int k = 0; k < nreaped; k++)
		if (reaped[k].pid == pid) {
			int st = reaped[k].status;
			*how = WIFSIGNALED(st);
			*code = WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st);
			return 0;
		}
	char path[64], t[2048];
	struct sbuf b = {path, 0, sizeof path - 1};
	sb_str(&b, "/proc/");
	sb_i64(&b, pid);
	sb_str(&b, "/stat");
	path[b.len] = 0;
	int err;
	size_t n = read_path(path, t, sizeof t - 1, &err);
	if (n == 0) return -1;
	t[n] = 0;
	char *s = strrchr(t, ')');
	int field = 2;
	for (; s && *s; s++) {
		if (*s == ' ' && ++field == 52) {
			int st = (int)strtol(s + 1, 0, 10);
			*how = WIFSIGNALED(st);
			*code = WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st);
			return 0;
		}
	}
	return -1;
}

static void check_deaths(void) {
	for (int i = 0; i < in.nprocs; i++) {
		struct proc *p = &in.procs[i];
		if (p->pid <= 0 || p->state == P_DEAD || p->pidfd < 0) continue;
		struct pollfd f = {p->pidfd, POLLIN, 0};
		if (poll(&f, 1, 0) > 0 && (f.revents & POLLIN)) {
			int how = 0, code = 0;
			if (status_of(p->pid, &how, &code) < 0) {
				how = 1;
				code = 9;
			}
			mark_dead(i, how, code);
		}
	}
}

/* Issues the next step of a ready process; steps the supervisor does itself run at once. */
static void issue(int i) {
	struct proc *p = &in.procs[i];
	while (p->state == P_READY) {
		if (p->pc >= p->nsteps) {
			p->state = P_HOLDING; /* the program ended: it holds its memory, as in pause() */
			proc_event(i, "holding", 0);
			return;
		}
		int si = p->step0 + p->pc++;
		struct step *s = &in.steps[si];
		if (s->kind == K_SLEEP) {
			p->state = P_SLEEPING;
			p->wake = p->lvt + s->a;
			/* as the runner: a sleep's captures are taken when it begins (its step has run) */
			for (int c = 0; c < s->ncap; c++) capture(in.caps[s->cap0 + c].label, in.caps[s->cap0 + c].path, i);
			return;
		}
		if (s->kind == K_WAIT) {
			struct proc *t = &in.procs[s->a];
			/* as the runner: no wait when the target has finished its program or is gone */
			if (t->state == P_DEAD || t->state == P_HOLDING) {
				for (int c = 0; c < s->ncap; c++) capture(in.caps[s->cap0 + c].label, in.caps[s->cap0 + c].path, i);
				continue;
			}
			p->state = P_WAITING;
			p->waitfor = (int)s->a;
			/* the wait step runs again when woken, so its captures come after */
			p->pc--;
			return;
		}
		if (s->kind == K_NOP) {
			for (int c = 0; c < s->ncap; c++) capture(in.caps[s->cap0 + c].label, in.caps[s->cap0 + c].path, i);
			continue;
		}
		static struct cmd c;
		memset(&c, 0, sizeof c);
		c.region = s->region;
		c.a = s->a;
		c.b = s->b;
		c.c = s->c;
		c.d = s->d;
		c.e = s->e;
		switch (s->kind) {
		case K_MMAP: c.op = OP_MMAP; break;
		case K_MUNMAP: c.op = OP_MUNMAP; break;
		case K_MPROTECT: c.op = OP_MPROTECT; break;
		case K_MREMAP: c.op = OP_MREMAP; break;
		case K_BRK: c.op = OP_BRK; break;
		case K_MADVISE: c.op = OP_MADVISE; break;
		case K_MLOCK: c.op = OP_MLOCK; break;
		case K_MUNLOCK: c.op = OP_MUNLOCK; break;
		case K_MSYNC: c.op = OP_MSYNC; break;
		case K_SYNC: c.op = OP_SYNC; break;
		case K_TOUCH:
			c.op = OP_TOUCH;
			c.f = s->first_n;
			p->touch_start = p->lvt;
			break;
		case K_FORK: {
			struct proc *ch = &in.procs[s->a];
			c.op = OP_FORK;
			c.b = ch->fd_in_parent;
			c.c = ch->seed;
			break;
		}
		case K_EXIT: c.op = OP_EXIT; break;
		case K_ADJ: c.op = OP_ADJ; break;
		case K_WRITE:
			c.op = OP_WRITE;
			memcpy(c.s1, s->s1, sizeof c.s1);
			memcpy(c.s2, s->s2, sizeof c.s2);
			break;
		case K_SWAPON:
			c.op = OP_SWAPON;
			memcpy(c.s1, s->s1, sizeof c.s1);
			break;
		case K_SWAPOFF:
			c.op = OP_SWAPOFF;
			memcpy(c.s1, s->s1, sizeof c.s1);
			break;
		case K_MOUNT:
			c.op = OP_MOUNT;
			memcpy(c.s1, s->s1, sizeof c.s1);
			memcpy(c.s2, s->s2, sizeof c.s2);
			break;
		case K_MEMFD:
			c.op = OP_MEMFD;
			memcpy(c.s1, s->s1, sizeof c.s1);
			break;
		case K_FILE:
			c.op = OP_FILE;
			c.region = (int32_t)s->mode;
			c.f = s->first_n;
			memcpy(c.s1, s->s1, sizeof c.s1);
			p->touch_start = p->lvt;
			break;
		}
		if (s->kind == K_MMAP) memcpy(c.s1, s->s1, sizeof c.s1);
		p->state = P_BUSY;
		p->cur = si;
		send_cmd(p, &c);
		return;
	}
}

/* Virtual ns a touch has cost after `done` accesses, `per` of them in a pass. */
static int64_t touch_cost(const struct step *s, int64_t done, int64_t per) {
	int64_t first = done < per ? done : per;
	return (done * s->cost_ns + first * s->first_ns) / 1000;
}

/* Tells a worker to exit(1), as the runner ends a process whose step failed unexpectedly. */
static void exit_one(struct proc *p) {
	static struct cmd c;
	memset(&c, 0, sizeof c);
	c.op = OP_EXIT;
	c.a = 1;
	p->state = P_BUSY;
	send_cmd(p, &c);
}

static void on_reply(const struct reply *r) {
	if (r->proc < 0 || r->proc >= in.nprocs) return;
	int i = r->proc;
	struct proc *p = &in.procs[i];
	if (p->state == P_DEAD) return;
	if (r->kind == RP_HELLO) {
		p->pid = (pid_t)r->a;
		if (p->pidfd < 0) p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
		if (p->state == P_STARTING) {
			p->state = P_READY;
			proc_event(i, "spawn", 0);
		}
		return;
	}
	if (p->cur < 0) return;
	struct step *s = &in.steps[p->cur];
	if (r->kind == RP_PROG) {
		if (s->kind == K_TOUCH || s->kind == K_FILE) p->lvt = p->touch_start + touch_cost(s, r->a, r->b);
		return;
	}
	if (p->state != P_BUSY) return;
	if ((s->kind == K_TOUCH || s->kind == K_FILE) && r->kind == RP_OK) p->lvt = p->touch_start + touch_cost(s, r->a, r->b);
	if (s->kind == K_FORK && r->kind == RP_OK) {
		/* the child starts at the parent's virtual time; its hello sets its pid */
		struct proc *ch = &in.procs[s->a];
		ch->pid = (pid_t)r->a;
		ch->lvt = p->lvt;
		if (ch->pidfd < 0) ch->pidfd = (int)syscall(SYS_pidfd_open, ch->pid, 0);
		ch->state = P_READY;
		char t[64];
		struct sbuf b = {t, 0, sizeof t - 1};
		sb_str(&b, " child_pid=");
		sb_i64(&b, ch->pid);
		t[b.len] = 0;
		char u[1200];
		struct sbuf ub = {u, 0, sizeof u - 1};
		sb_kv(&ub, "child", ch->name);
		sb_str(&ub, t);
		u[ub.len] = 0;
		proc_event(i, "fork", u);
	}
	p->cur = -1;
	p->state = P_READY;
	if (r->kind == RP_FAIL) {
		/* the runner's RunFailure (no such region): the process exits with code 1 */
		step_event(i, s, "failed", 0, 0);
		exit_one(p);
		return;
	}
	if (r->kind == RP_ERR) {
		const char *e = errname((int)r->a);
		step_event(i, s, e, 0, 0);
		if (!s->expect_err[0] || strcmp(s->expect_err, e) != 0) {
			/* an errno the step did not expect ends the program: exit(1), as a C program's err(1, ...) */
			exit_one(p);
			return;
		}
	} else
		step_event(i, s, "ok", r->a, s->kind == K_MMAP || s->kind == K_MREMAP || s->kind == K_BRK || s->kind == K_TOUCH || s->kind == K_FORK);
	for (int c = 0; c < s->ncap; c++) capture(in.caps[s->cap0 + c].label, in.caps[s->cap0 + c].path, i);
}

static void sleep_ns(int64_t ns) {
	if (ns <= 0) return;
	if (ns > in.maxsleep_ns) ns = in.maxsleep_ns;
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

static void poweroff(void) {
	sync();
	if (!native) reboot(RB_POWER_OFF);
}

static void die_input(const char *why) {
	char t[700];
	struct sbuf b = {t, 0, sizeof t - 1};
	sb_kv(&b, "error", why);
	t[b.len] = 0;
	event("input_error", t + 1);
	wr(1, "@@RK-DONE error@@\n", 18);
	poweroff();
	_exit(2);
}

/* Reads and parses the input into memory mapped for it (die_input on any problem). */
static void load_input(const char *file) {
	IN = map_anon(sizeof *IN);
	capbuf = map_anon(CAPBUF_SIZE);
	outbuf = map_anon(CAPBUF_SIZE + 4096);
	if (!IN || !capbuf || !outbuf) die_input("out of memory");
	/* the capture buffers are faulted in now, so the supervisor's memory does not grow later;
	 * in the guest it is locked too, so reclaim never swaps the supervisor (the model has none) */
	memset(capbuf, 0, CAPBUF_SIZE);
	memset(outbuf, 0, CAPBUF_SIZE + 4096);
	if (!native) mlockall(MCL_CURRENT | MCL_FUTURE);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) die_input("cannot read the input file");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size > (4 << 20)) die_input("input file empty or larger than 4 MiB");
	char *inbuf = map_anon((size_t)size);
	if (!inbuf || pread(fd, inbuf, (size_t)size, 0) != size) die_input("cannot read the input file");
	close(fd);
	size_t n = (size_t)size;
	/* size the tables: one step per "step " line, one capture per "cap " line */
	for (size_t k = 0; k < n; k++) {
		if (k == 0 || inbuf[k - 1] == '\n') {
			if (n - k > 5 && memcmp(inbuf + k, "step ", 5) == 0) in.maxsteps++;
			if (n - k > 4 && memcmp(inbuf + k, "cap ", 4) == 0) in.maxcaps++;
		}
	}
	if (in.maxsteps > MAX_STEPS || in.maxcaps > MAX_CAPS) die_input("too many steps or captures");
	in.steps = map_anon((size_t)in.maxsteps * sizeof(struct step));
	in.caps = map_anon((size_t)in.maxcaps * sizeof(struct capspec));
	if (!in.steps || !in.caps) die_input("out of memory");
	if (parse_input(inbuf, n) < 0) die_input(errmsg);
}

static int run_main(int argc, char **argv) {
	clock_gettime(CLOCK_MONOTONIC, &t0);
	native = argc > 3 && strcmp(argv[3], "--native") == 0;
	if (!native && getpid() == 1) {
		klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, 0, 1);
		signal(SIGCHLD, SIG_DFL);
	}
	if (native) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!native) write_file("/proc/self/oom_score_adj", "-1000\n", 6);
	load_input(argc > 2 ? argv[2] : "/run.in");
	char t[200];
	struct sbuf b = {t, 0, sizeof t - 1};
	sb_marker(&b, "START", in.name);
	wr(1, t, b.len);

	for (int k = 0; k < in.nstart; k++) capture(in.atstart[k].label, in.atstart[k].path, -1);
	for (int k = 0; k < in.nsysctl; k++) {
		/* memory cgroups: cgroup2 mounted once (as the realkernel harness's /init does), before the
		 * root's cgroup.subtree_control is written and the first group made */
		if (in.sysctl_mkdir[k]) {
			mkdir("/sys/fs/cgroup", 0755);
			if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0 && errno != EBUSY) event("cgroup2", "result=mount_failed");
			break;
		}
	}
	for (int k = 0; k < in.nsysctl; k++) {
		int e;
		if (in.sysctl_mkdir[k]) {
			e = mkdir(in.sysctl[k].label, 0755) < 0 ? errno : 0;
		} else {
			size_t vl = strlen(in.sysctl[k].path);
			char v[260];
			memcpy(v, in.sysctl[k].path, vl);
			v[vl] = '\n';
			e = write_file(in.sysctl[k].label, v, vl + 1);
		}
		char u[700];
		struct sbuf ub = {u, 0, sizeof u - 1};
		sb_kv(&ub, "path", in.sysctl[k].label);
		sb_kv(&ub, "result", e ? errname(e) : "ok");
		u[ub.len] = 0;
		event(in.sysctl_mkdir[k] ? "mkdir" : "sysctl", u + 1);
	}

	/* pipes: one shared reply pipe, one command pipe per process */
	int fds[2];
	if (pipe(fds) < 0) die_input("pipe failed");
	reply_rd = fds[0];
	reply_wr = fds[1];
	fcntl(reply_rd, F_SETFD, FD_CLOEXEC);
	for (int i = 0; i < in.nprocs; i++) {
		struct proc *p = &in.procs[i];
		if (pipe(fds) < 0) die_input("pipe failed");
		p->cmdrd = fds[0];
		p->cmdfd = fds[1];
		fcntl(p->cmdfd, F_SETFD, FD_CLOEXEC);
		p->top = p->parent < 0 ? i : in.procs[p->parent].top;
		p->state = p->parent < 0 ? P_UNSTARTED : P_UNSTARTED;
		p->wake = p->start_ns;
	}
	/* fd numbers of the forked processes' command pipes inside their top-level worker */
	for (int i = 0; i < in.nprocs; i++) {
		int next = 5;
		for (int j = 0; j < in.nprocs; j++)
			if (j != i && in.procs[j].top == i) in.procs[j].fd_in_parent = next++;
	}
	/* forked processes are started by their parent's fork, not by the supervisor */
	for (int i = 0; i < in.nprocs; i++)
		if (in.procs[i].parent >= 0) in.procs[i].wake = INT64_MAX;

	vt = 0;
	for (;;) {
		check_deaths();
		for (int i = 0; i < in.nprocs; i++)
			if (in.procs[i].state == P_READY) issue(i);
		/* the virtual time every running process has reached */
		int64_t run_min = INT64_MAX, wake_min = INT64_MAX;
		int running = 0;
		for (int i = 0; i < in.nprocs; i++) {
			struct proc *p = &in.procs[i];
			if (p->state == P_READY || p->state == P_BUSY || p->state == P_STARTING) {
				running = 1;
				if (p->lvt < run_min) run_min = p->lvt;
			}
			if ((p->state == P_SLEEPING || (p->state == P_UNSTARTED && p->parent < 0)) && p->wake < wake_min) wake_min = p->wake;
		}
		if (running) {
			if (run_min > vt) vt = run_min;
		} else {
			if (wake_min == INT64_MAX) break; /* nothing runs and nothing will wake: the end */
			if (wake_min > in.limit_ns) {
				event("time_limit", 0);
				break;
			}
			if (wake_min > vt) {
				/* everyone idles until the next wake-up, as the model's CPU does */
				sleep_ns(wake_min - vt);
				vt = wake_min;
			}
		}
		/* wake sleepers and start processes whose time has come, in creation order */
		int woke = 0;
		for (int i = 0; i < in.nprocs; i++) {
			struct proc *p = &in.procs[i];
			if (p->state == P_SLEEPING && p->wake <= vt) {
				p->lvt = p->wake;
				p->state = P_READY;
				woke = 1;
			} else if (p->state == P_UNSTARTED && p->parent < 0 && p->wake <= vt) {
				p->lvt = p->wake;
				spawn(i);
				woke = 1;
			}
		}
		if (woke) continue;
		if (!running) continue;
		/* wait for a reply or a death */
		struct pollfd pf[MAX_PROCS + 1];
		int np = 0, map[MAX_PROCS + 1];
		pf[np].fd = reply_rd;
		pf[np].events = POLLIN;
		map[np++] = -1;
		for (int i = 0; i < in.nprocs; i++)
			if (in.procs[i].pidfd >= 0 && in.procs[i].state != P_DEAD) {
				pf[np].fd = in.procs[i].pidfd;
				pf[np].events = POLLIN;
				map[np++] = i;
			}
		int r = poll(pf, (nfds_t)np, 1000);
		if (r < 0 && errno != EINTR) break;
		if (r > 0 && (pf[0].revents & POLLIN)) {
			/* replies are fixed-size and written whole, so reads split at their boundaries */
			struct reply rb[64];
			ssize_t got = read(reply_rd, rb, sizeof rb);
			for (ssize_t k = 0; k + (ssize_t)sizeof(struct reply) <= got; k += (ssize_t)sizeof(struct reply)) on_reply(&rb[k / (ssize_t)sizeof(struct reply)]);
		}
		/* replies already in the pipe are handled before a death is, so a step's result is not lost */
		struct pollfd q = {reply_rd, POLLIN, 0};
		if (poll(&q, 1, 0) > 0) continue;
		check_deaths();
		(void)map;
	}

	/* the end: final files while the processes still hold their memory */
	for (int i = 0; i < in.nprocs; i++) {
		struct proc *p = &in.procs[i];
		if (p->state == P_WAITING) proc_event(i, "still_waiting", 0);
	}
	for (int k = 0; k < in.nend; k++) capture(in.atend[k].label, in.atend[k].path, -1);
	for (int i = 0; i < in.nprocs; i++) {
		struct proc *p = &in.procs[i];
		if (p->state == P_DEAD || p->pid <= 0) continue;
		char label[160], path[64];
		struct sbuf lb = {label, 0, sizeof label - 1};
		sb_str(&lb, "@end.status.");
		sb_str(&lb, p->name);
		label[lb.len] = 0;
		struct sbuf pb = {path, 0, sizeof path - 1};
		sb_str(&pb, "/proc/");
		sb_i64(&pb, p->pid);
		sb_str(&pb, "/status");
		path[pb.len] = 0;
		capture(label, path, i);
		capture_pages(i);
	}
	for (int i = 0; i < in.nprocs; i++) {
		struct proc *p = &in.procs[i];
		char x[64];
		struct sbuf xb = {x, 0, sizeof x - 1};
		sb_str(&xb, " state=");
		if (p->state == P_DEAD) {
			sb_str(&xb, p->dead_how ? "killed signal=" : "exited code=");
			sb_i64(&xb, p->dead_code);
		} else
			sb_str(&xb, p->pid > 0 ? "alive" : "never_started");
		sb_str(&xb, " last=");
		sb_str(&xb, PSTATE[p->state]);
		x[xb.len] = 0;
		proc_event(i, "final", x);
	}
	capture_dmesg();
	for (int i = 0; i < in.nprocs; i++)
		if (in.procs[i].state != P_DEAD && in.procs[i].pid > 0) kill(in.procs[i].pid, SIGKILL);
	reap_all();
	b.len = 0;
	sb_marker(&b, "DONE", in.name);
	wr(1, t, b.len);
	poweroff();
	return 0;
}

/* ------------------------------------------------------------------ gen: the patterns, for the test */

static int gen_main(int argc, char **argv) {
	if (argc < 6) return 2;
	const char *k = argv[2];
	int kind = strcmp(k, "sequential") == 0 ? PAT_SEQ : strcmp(k, "random") == 0 ? PAT_RAND : strcmp(k, "stride") == 0 ? PAT_STRIDE : strcmp(k, "zipf") == 0 ? PAT_ZIPF : -1;
	if (kind < 0) return 2;
	uint64_t n = strtoull(argv[3], 0, 10);
	uint32_t seed = (uint32_t)strtoul(argv[4], 0, 10);
	uint64_t count = strtoull(argv[5], 0, 10);
	if (n < 1) return 2;
	struct prng r;
	prng_init(&r, seed);
	struct gen g;
	gen_init(&g, kind, n, kind == PAT_STRIDE && argc > 6 ? strtoull(argv[6], 0, 10) : 0, kind == PAT_ZIPF && argc > 6 ? strtod(argv[6], 0) : 0, &r);
	char out[1 << 14];
	struct sbuf b = {out, 0, sizeof out};
	for (uint64_t i = 0; i < count; i++) {
		if (b.len > sizeof out - 32) {
			wr(1, out, b.len);
			b.len = 0;
		}
		sb_u64(&b, gen_next(&g));
		sb_put(&b, "\n", 1);
	}
	wr(1, out, b.len);
	return 0;
}

/* check: parse an input file and say what it holds (or why not), without running it. */
static int check_main(int argc, char **argv) {
	native = 1;
	if (argc < 3) return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	load_input(argv[2]);
	char t[200];
	struct sbuf b = {t, 0, sizeof t - 1};
	sb_str(&b, "ok processes=");
	sb_i64(&b, in.nprocs);
	sb_str(&b, " steps=");
	sb_i64(&b, in.nsteps);
	sb_str(&b, " captures=");
	sb_i64(&b, in.ncaps);
	sb_str(&b, "\n");
	wr(1, t, b.len);
	return 0;
}

int main(int argc, char **argv) {
	if (argc >= 2 && strcmp(argv[1], "worker") == 0) return worker_main(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "run") == 0) return run_main(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "gen") == 0) return gen_main(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "check") == 0) return check_main(argc, argv);
	static const char usage[] = "usage: mmguest run FILE [--native] | mmguest check FILE | mmguest gen KIND NPAGES SEED COUNT [PARAM]\n";
	wr(2, usage, sizeof usage - 1);
	return 2;
}
