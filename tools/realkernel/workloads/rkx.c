/* rkx.c - a small step interpreter for the page-cache, memcg, slab, huge-page
 * and compaction workloads of the real-kernel harness.
 *
 * usage: rkx STEP [STEP...]
 *
 * The steps run in order in one process, so a step's effect on the kernel is
 * seen by the captures taken right after it by the same process (its own
 * /proc/self/io, smaps, status) without a shell fork in between. A step is
 * NAME or NAME:ARG:ARG... Sizes take K, M or G suffixes (powers of 1024).
 *
 * Captures: `snap:STEP` prints every entry of the environment variable
 * RK_SNAP on stdout between "@@RK-BEGIN name@@" and "@@RK-END name@@" lines,
 * which run.sh cuts into files. RK_SNAP is a space-separated list of
 * PATTERN=PATH; '%' in PATTERN becomes STEP. PATH may be a directory (each
 * regular file in it becomes PATTERN/file), or one of:
 *   @clock     CLOCK_MONOTONIC and the process's user+system CPU time
 *   @mincore   mincore(2) of the open file (see the mincore step)
 * stdout must be the console and nobody else may print while rkx prints.
 *
 * Files (one open file at a time):
 *   open:PATH:MODE        MODE r, rw, or c (create/truncate, write only)
 *   close | fsync | fdatasync | sync
 *   read:OFF:LEN:BS[:EVERY:STEPPREFIX]
 *                         read LEN bytes (all = to EOF) from OFF (cur = f_pos)
 *                         with read(2) calls of BS bytes; EVERY as for write
 *   rread:SEED:COUNT:BS   COUNT reads of BS bytes at random BS-aligned offsets
 *                         (generator below); the offsets are printed as the
 *                         capture rread.offsets
 *   write:OFF:LEN:BS[:EVERY:STEPPREFIX]
 *                         write LEN bytes with write(2) calls of BS bytes; after
 *                         every EVERY bytes, snap:STEPPREFIX<MiB written, 3 digits>
 *   mincore:NAME          capture NAME: resident pages of the open file and the
 *                         resident ranges (page indexes, inclusive)
 *   mkfiles:DIR:N         create N empty files DIR/f000000...
 *   statfiles:DIR:N       stat(2) them (lookups rebuild dentries and inodes)
 * Memory (regions 0-7):
 *   mmap:R:KIND:LEN[:OPT...]  KIND shared|private (the open file, offset 0),
 *                         anon, hugetlb. OPT: huge (2 MiB aligned, then
 *                         MADV_HUGEPAGE), nohuge (MADV_NOHUGEPAGE), align (2 MiB
 *                         aligned only), ro (PROT_READ), lockonfault
 *                         (mlock2 MLOCK_ONFAULT: each page is locked when touched)
 *   mmapprobe:KIND:LEN:NAME  try an mmap, capture NAME with the outcome, unmap
 *   touch:R:w|r[:OFF:LEN[:EVERY:STEPPREFIX]]  write (or read) one byte in every
 *                         4 KiB page; EVERY/STEPPREFIX as for write; a
 *                         STEPPREFIX starting with '+' logs progress with the
 *                         monotonic clock on stderr instead of capturing
 *   msync:R[:sync|async]  munmap:R[:OFF:LEN]
 *   madvise:R:ADV[:OFF:LEN]   ADV dontneed|hugepage|nohugepage|collapse|pageout|cold
 *   punch:R:KEEP:FREE     MADV_DONTNEED: keep KEEP pages, free FREE pages, repeat
 * Processes and control:
 *   forkn:N               fork N children that pause() until killed
 *   reap                  SIGKILL the children and wait for them
 *   cg:DIR                move this process into cgroup DIR (cgroup.procs)
 *   adj:N                 write N to /proc/self/oom_score_adj
 *   ready:PATH            create PATH (tells /init a phase is done)
 *   waitfile:PATH         wait (100 ms polls) until PATH exists
 *   echo:PATH:VALUE       write VALUE to PATH (a sysctl, drop_caches, ...)
 *   sleep:MS | hold (pause forever) | log:TEXT (stderr)
 *
 * The random generator of rread (record it with the data): a 64-bit LCG,
 *   x = x * 6364136223846793005 + 1442695040888963407  (x0 = SEED)
 *   block = (x >> 33) % (file size / BS)
 * one step per read.
 *
 * Errors: a failing step prints "rkx: STEP: error" on stderr and exits 2.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif

#define PAGE 4096UL
#define HPAGE (2UL << 20)
#define NREG 8

static int fd = -1;
static char fpath[256];
static struct { char *p; unsigned long len; } reg[NREG];
static pid_t kids[4096];
static int nkids;
static char iobuf[1 << 20];
static const char *cur_step = "";

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "rkx: %s: ", cur_step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static unsigned long size_arg(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	switch (*end) {
	case 'K': case 'k': v <<= 10; break;
	case 'M': case 'm': v <<= 20; break;
	case 'G': case 'g': v <<= 30; break;
	case 0: break;
	default: die("bad size '%s'", s);
	}
	return v;
}

/* ------------------------------------------------------------ output */
static char out[1 << 16];
static size_t outn;

static void flush_out(void)
{
	size_t o = 0;
	while (o < outn) {
		ssize_t w = write(1, out + o, outn - o);
		if (w < 0) { if (errno == EINTR) continue; break; }
		o += (size_t)w;
	}
	outn = 0;
}

static void put(const char *s, size_t n)
{
	while (n) {
		size_t c = sizeof out - outn < n ? sizeof out - outn : n;
		memcpy(out + outn, s, c);
		outn += c; s += c; n -= c;
		if (outn == sizeof out) flush_out();
	}
}

static void putf(const char *fmt, ...)
{
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	if (n > 0) put(b, (size_t)n < sizeof b ? (size_t)n : sizeof b - 1);
}

static void begin(const char *name) { putf("@@RK-BEGIN %s@@\n", name); }
static void end(const char *name) { putf("@@RK-END %s@@\n", name); flush_out(); }

/* copy a file's content (as cat would) */
static void put_file(const char *path)
{
	int f = open(path, O_RDONLY);
	if (f < 0) { putf("rkx: %s: %s\n", path, strerror(errno)); return; }
	for (;;) {
		ssize_t n = read(f, iobuf, sizeof iobuf);
		if (n < 0) { if (errno == EINTR) continue; putf("rkx: read %s: %s\n", path, strerror(errno)); break; }
		if (n == 0) break;
		put(iobuf, (size_t)n);
	}
	close(f);
}

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void put_clock(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	putf("monotonic %.6f\ncpu_user %ld.%06ld\ncpu_sys %ld.%06ld\n", mono(),
	     (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
	     (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
}

static void put_mincore(void)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) { putf("rkx: mincore: no open file\n"); return; }
	unsigned long pages = ((unsigned long)st.st_size + PAGE - 1) / PAGE;
	putf("file %s size %ld pages %lu", fpath, (long)st.st_size, pages);
	if (!pages) { putf(" resident 0\n"); return; }
	void *m = mmap(NULL, pages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) { putf("\nrkx: mmap: %s\n", strerror(errno)); return; }
	unsigned char *v = malloc(pages);
	if (!v || mincore(m, pages * PAGE, v)) { putf("\nrkx: mincore: %s\n", strerror(errno)); munmap(m, pages * PAGE); free(v); return; }
	munmap(m, pages * PAGE);
	unsigned long res = 0, nr = 0;
	for (unsigned long i = 0; i < pages; i++) res += v[i] & 1;
	putf(" resident %lu\nranges", res);
	for (unsigned long i = 0; i < pages;) {
		if (!(v[i] & 1)) { i++; continue; }
		unsigned long j = i;
		while (j + 1 < pages && (v[j + 1] & 1)) j++;
		putf(j == i ? " %lu" : " %lu-%lu", i, j);
		if (++nr % 16 == 0) putf("\n      ");
		i = j + 1;
	}
	putf("\nnr_ranges %lu\n", nr);
	free(v);
}

/* snap:STEP - print every RK_SNAP entry */
static void snap(const char *step)
{
	const char *spec = getenv("RK_SNAP");
	if (!spec) die("RK_SNAP is not set");
	char *s = strdup(spec), *save = NULL;
	for (char *e = strtok_r(s, " \t\n", &save); e; e = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(e, '=');
		if (!eq) die("RK_SNAP entry '%s' has no '='", e);
		*eq = 0;
		const char *path = eq + 1;
		char name[256];
		size_t k = 0;
		for (const char *c = e; *c && k < sizeof name - 64; c++) {
			if (*c == '%') { k += snprintf(name + k, sizeof name - k, "%s", step); }
			else name[k++] = *c;
		}
		name[k] = 0;
		struct stat st;
		if (!strcmp(path, "@clock")) { begin(name); put_clock(); end(name); }
		else if (!strcmp(path, "@mincore")) { begin(name); put_mincore(); end(name); }
		else if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
			struct dirent **ents;
			int n = scandir(path, &ents, NULL, alphasort);
			for (int i = 0; i < n; i++) {
				char fp[512], fn[512];
				snprintf(fp, sizeof fp, "%s/%s", path, ents[i]->d_name);
				if (!stat(fp, &st) && S_ISREG(st.st_mode)) {
					snprintf(fn, sizeof fn, "%s/%s", name, ents[i]->d_name);
					begin(fn); put_file(fp); end(fn);
				}
				free(ents[i]);
			}
			if (n >= 0) free(ents);
		} else { begin(name); put_file(path); end(name); }
	}
	free(s);
}

/* snap:PREFIX<MiB done, 3 digits> each time DONE bytes reach a multiple of EVERY */
static void snap_every(const char *prefix, unsigned long done, unsigned long every)
{
	if (!every || done % every) return;
	char st[64];
	snprintf(st, sizeof st, "%s%03lu", prefix, done >> 20);
	snap(st);
}

/* ------------------------------------------------------------ steps */
static void fill(unsigned long seq)
{
	/* non-zero, different per chunk: nothing can be stored as a hole */
	for (size_t i = 0; i < sizeof iobuf; i += 8) {
		unsigned long v = (seq * 0x9E3779B97F4A7C15UL) ^ (i * 0xBF58476D1CE4E5B9UL) ^ 0x5555555555555555UL;
		memcpy(iobuf + i, &v, 8);
	}
}

static void do_write(char **a, int n)
{
	if (n < 4) die("write:OFF:LEN:BS[:EVERY:PREFIX]");
	unsigned long off = size_arg(a[1]), len = size_arg(a[2]), bs = size_arg(a[3]);
	unsigned long every = n >= 6 ? size_arg(a[4]) : 0;
	if (bs == 0 || bs > sizeof iobuf) die("bad BS");
	if (lseek(fd, (off_t)off, SEEK_SET) < 0) die("lseek: %s", strerror(errno));
	unsigned long done = 0;
	while (done < len) {
		unsigned long c = len - done < bs ? len - done : bs;
		fill(done / bs);
		ssize_t w = write(fd, iobuf, c);
		if (w < 0) { if (errno == EINTR) continue; die("write at %lu: %s", off + done, strerror(errno)); }
		done += (unsigned long)w;
		snap_every(a[5], done, every);
	}
}

static void do_read(char **a, int n)
{
	if (n < 4) die("read:OFF:LEN:BS[:EVERY:PREFIX]");
	unsigned long bs = size_arg(a[3]), every = n >= 6 ? size_arg(a[4]) : 0;
	if (bs == 0 || bs > sizeof iobuf) die("bad BS");
	if (strcmp(a[1], "cur") && lseek(fd, (off_t)size_arg(a[1]), SEEK_SET) < 0) die("lseek: %s", strerror(errno));
	int all = !strcmp(a[2], "all");
	unsigned long len = all ? 0 : size_arg(a[2]), done = 0;
	while (all || done < len) {
		unsigned long c = all || len - done >= bs ? bs : len - done;
		ssize_t r = read(fd, iobuf, c);
		if (r < 0) { if (errno == EINTR) continue; die("read: %s", strerror(errno)); }
		if (r == 0) break;
		done += (unsigned long)r;
		snap_every(a[5], done, every);
	}
}

static void do_rread(char **a, int n)
{
	if (n < 4) die("rread:SEED:COUNT:BS");
	unsigned long x = strtoul(a[1], NULL, 0), count = strtoul(a[2], NULL, 0), bs = size_arg(a[3]);
	struct stat st;
	if (fstat(fd, &st) || bs == 0 || bs > sizeof iobuf) die("no file or bad BS");
	unsigned long blocks = (unsigned long)st.st_size / bs;
	begin("rread.offsets");
	putf("seed %s count %lu bs %lu blocks %lu\n", a[1], count, bs, blocks);
	for (unsigned long i = 0; i < count; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		unsigned long b = (x >> 33) % blocks;
		putf("%lu%c", b, (i % 16 == 15 || i + 1 == count) ? '\n' : ' ');
		if (pread(fd, iobuf, bs, (off_t)(b * bs)) < 0) die("pread: %s", strerror(errno));
	}
	end("rread.offsets");
}

static char *map_kind(const char *kind, unsigned long len, int ro, int align, int *err)
{
	int prot = ro ? PROT_READ : PROT_READ | PROT_WRITE;
	char *p;
	*err = 0;
	if (!strcmp(kind, "shared") || !strcmp(kind, "private")) {
		if (fd < 0) die("no open file");
		p = mmap(NULL, len, prot, !strcmp(kind, "shared") ? MAP_SHARED : MAP_PRIVATE, fd, 0);
	} else if (!strcmp(kind, "hugetlb")) {
		p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	} else if (!strcmp(kind, "anon")) {
		if (!align) {
			p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		} else {
			/* over-allocate by 2 MiB and trim to a 2 MiB-aligned range */
			unsigned long l = len + HPAGE;
			char *raw = mmap(NULL, l, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (raw == MAP_FAILED) { *err = errno; return NULL; }
			unsigned long s = ((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1);
			if (s > (unsigned long)raw) munmap(raw, s - (unsigned long)raw);
			unsigned long tail = (unsigned long)raw + l - (s + len);
			if (tail) munmap((char *)(s + len), tail);
			return (char *)s;
		}
	} else die("unknown mapping kind '%s'", kind);
	if (p == MAP_FAILED) { *err = errno; return NULL; }
	return p;
}

static int region(const char *s)
{
	int r = atoi(s);
	if (r < 0 || r >= NREG) die("bad region %s", s);
	return r;
}

static void do_touch(char **a, int n)
{
	if (n < 3) die("touch:R:w|r[:OFF:LEN[:EVERY:PREFIX]]");
	int r = region(a[1]), w = a[2][0] == 'w';
	unsigned long off = n >= 4 ? size_arg(a[3]) : 0;
	unsigned long len = n >= 5 ? size_arg(a[4]) : reg[r].len - off;
	unsigned long every = n >= 7 ? size_arg(a[5]) : 0;
	const char *prefix = n >= 7 ? a[6] : "";
	if (!reg[r].p || off + len > reg[r].len) die("region %d not mapped or range too long", r);
	volatile char *p = reg[r].p + off;
	unsigned long sum = 0;
	double t0 = mono();
	for (unsigned long o = 0; o < len;) {
		if (w) p[o] = (char)(1 + (o >> 12));
		else sum += (unsigned char)p[o];
		o += PAGE;
		if (every && o % every == 0 && prefix[0] == '+')
			fprintf(stderr, "rkx: %s %lu MiB t=%.3f\n", prefix + 1, o >> 20, mono() - t0);
		else
			snap_every(prefix, o, every);
	}
	if (!w && sum == 1) fprintf(stderr, "rkx: (sum)\n");
	fprintf(stderr, "rkx: touch %s %lu MiB in %.3f s (monotonic)\n", w ? "write" : "read", len >> 20, mono() - t0);
}

static int advice(const char *s)
{
	if (!strcmp(s, "dontneed")) return MADV_DONTNEED;
	if (!strcmp(s, "hugepage")) return MADV_HUGEPAGE;
	if (!strcmp(s, "nohugepage")) return MADV_NOHUGEPAGE;
	if (!strcmp(s, "collapse")) return MADV_COLLAPSE;
	if (!strcmp(s, "pageout")) return MADV_PAGEOUT;
	if (!strcmp(s, "cold")) return MADV_COLD;
	die("unknown advice '%s'", s);
	return 0;
}

static void write_str(const char *path, const char *s)
{
	int f = open(path, O_WRONLY);
	if (f < 0) die("open %s: %s", path, strerror(errno));
	if (write(f, s, strlen(s)) < 0) die("write %s: %s", path, strerror(errno));
	close(f);
}

static void step(char *arg)
{
	char *a[16];
	int n = 0;
	cur_step = strdup(arg);
	for (char *save = NULL, *t = strtok_r(arg, ":", &save); t && n < 16; t = strtok_r(NULL, ":", &save)) a[n++] = t;
	if (!n) return;
	const char *c = a[0];
	if (!strcmp(c, "open")) {
		if (n < 3) die("open:PATH:MODE");
		if (fd >= 0) close(fd);
		int fl = !strcmp(a[2], "r") ? O_RDONLY : !strcmp(a[2], "rw") ? O_RDWR : O_WRONLY | O_CREAT | O_TRUNC;
		fd = open(a[1], fl, 0644);
		if (fd < 0) die("%s", strerror(errno));
		snprintf(fpath, sizeof fpath, "%s", a[1]);
	} else if (!strcmp(c, "close")) { if (fd >= 0) close(fd); fd = -1; }
	else if (!strcmp(c, "fsync")) { if (fsync(fd)) die("%s", strerror(errno)); }
	else if (!strcmp(c, "fdatasync")) { if (fdatasync(fd)) die("%s", strerror(errno)); }
	else if (!strcmp(c, "sync")) sync();
	else if (!strcmp(c, "read")) do_read(a, n);
	else if (!strcmp(c, "rread")) do_rread(a, n);
	else if (!strcmp(c, "write")) do_write(a, n);
	else if (!strcmp(c, "mincore")) {
		if (n < 2) die("mincore:NAME");
		begin(a[1]); put_mincore(); end(a[1]);
	} else if (!strcmp(c, "mkfiles") || !strcmp(c, "statfiles")) {
		if (n < 3) die("%s:DIR:N", c);
		unsigned long cnt = strtoul(a[2], NULL, 0);
		char p[512];
		struct stat st;
		for (unsigned long i = 0; i < cnt; i++) {
			snprintf(p, sizeof p, "%s/f%06lu", a[1], i);
			if (c[0] == 'm') {
				int f = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
				if (f < 0) die("%s: %s", p, strerror(errno));
				close(f);
			} else if (stat(p, &st)) die("%s: %s", p, strerror(errno));
		}
	} else if (!strcmp(c, "mmap")) {
		if (n < 4) die("mmap:R:KIND:LEN[:OPT...]");
		int r = region(a[1]), huge = 0, nohuge = 0, ro = 0, align = 0, lock = 0, err;
		for (int i = 4; i < n; i++) {
			if (!strcmp(a[i], "huge")) huge = align = 1;
			else if (!strcmp(a[i], "nohuge")) nohuge = 1;
			else if (!strcmp(a[i], "ro")) ro = 1;
			else if (!strcmp(a[i], "align")) align = 1;
			else if (!strcmp(a[i], "lockonfault")) lock = 1;
			else die("unknown option '%s'", a[i]);
		}
		unsigned long len = size_arg(a[3]);
		char *p = map_kind(a[2], len, ro, align, &err);
		if (!p) die("mmap: %s", strerror(err));
		if (huge && madvise(p, len, MADV_HUGEPAGE)) die("madvise(MADV_HUGEPAGE): %s", strerror(errno));
		if (nohuge && madvise(p, len, MADV_NOHUGEPAGE)) die("madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
		if (lock && mlock2(p, len, MLOCK_ONFAULT)) die("mlock2(MLOCK_ONFAULT): %s", strerror(errno));
		reg[r].p = p; reg[r].len = len;
		fprintf(stderr, "rkx: region %d at %p len %lu\n", r, (void *)p, len);
	} else if (!strcmp(c, "mmapprobe")) {
		if (n < 4) die("mmapprobe:KIND:LEN:NAME");
		int err;
		unsigned long len = size_arg(a[2]);
		char *p = map_kind(a[1], len, 0, 0, &err);
		begin(a[3]);
		if (p) putf("mmap %s %lu: ok\n", a[1], len);
		else putf("mmap %s %lu: failed errno=%d (%s)\n", a[1], len, err, strerror(err));
		end(a[3]);
		if (p) munmap(p, len);
	} else if (!strcmp(c, "touch")) do_touch(a, n);
	else if (!strcmp(c, "msync")) {
		int r = region(a[1]);
		if (msync(reg[r].p, reg[r].len, n >= 3 && !strcmp(a[2], "async") ? MS_ASYNC : MS_SYNC)) die("%s", strerror(errno));
	} else if (!strcmp(c, "munmap")) {
		int r = region(a[1]);
		unsigned long off = n >= 3 ? size_arg(a[2]) : 0, len = n >= 4 ? size_arg(a[3]) : reg[r].len;
		if (munmap(reg[r].p + off, len)) die("%s", strerror(errno));
		if (n < 3) reg[r].p = NULL;
	} else if (!strcmp(c, "madvise")) {
		if (n < 3) die("madvise:R:ADV[:OFF:LEN]");
		int r = region(a[1]);
		unsigned long off = n >= 4 ? size_arg(a[3]) : 0, len = n >= 5 ? size_arg(a[4]) : reg[r].len - off;
		if (madvise(reg[r].p + off, len, advice(a[2]))) {
			int e = errno;
			fprintf(stderr, "rkx: madvise %s: %s\n", a[2], strerror(e));
			begin("madvise.error"); putf("madvise %s off %lu len %lu: errno=%d (%s)\n", a[2], off, len, e, strerror(e)); end("madvise.error");
		}
	} else if (!strcmp(c, "punch")) {
		if (n < 4) die("punch:R:KEEP:FREE");
		int r = region(a[1]);
		unsigned long keep = strtoul(a[2], NULL, 0) * PAGE, fr = strtoul(a[3], NULL, 0) * PAGE;
		for (unsigned long o = keep; o < reg[r].len; o += keep + fr) {
			unsigned long l = reg[r].len - o < fr ? reg[r].len - o : fr;
			if (madvise(reg[r].p + o, l, MADV_DONTNEED)) die("%s", strerror(errno));
		}
	} else if (!strcmp(c, "forkn")) {
		int k = atoi(a[1]);
		if (k < 0 || k > (int)(sizeof kids / sizeof kids[0])) die("bad N");
		for (int i = 0; i < k; i++) {
			pid_t p = fork();
			if (p < 0) die("fork %d: %s", i, strerror(errno));
			if (p == 0) for (;;) pause();
			kids[nkids++] = p;
		}
	} else if (!strcmp(c, "reap")) {
		for (int i = 0; i < nkids; i++) kill(kids[i], SIGKILL);
		for (int i = 0; i < nkids; i++) waitpid(kids[i], NULL, 0);
		nkids = 0;
	} else if (!strcmp(c, "cg")) {
		char p[512], b[32];
		snprintf(p, sizeof p, "%s/cgroup.procs", a[1]);
		snprintf(b, sizeof b, "%d\n", getpid());
		write_str(p, b);
	} else if (!strcmp(c, "adj")) {
		char b[32];
		snprintf(b, sizeof b, "%s\n", a[1]);
		write_str("/proc/self/oom_score_adj", b);
	} else if (!strcmp(c, "ready")) {
		int f = open(a[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (f < 0) die("%s", strerror(errno));
		close(f);
	} else if (!strcmp(c, "waitfile")) {
		struct stat st;
		while (stat(a[1], &st)) usleep(100000);
	} else if (!strcmp(c, "echo")) {
		if (n < 3) die("echo:PATH:VALUE");
		write_str(a[1], a[2]);
	} else if (!strcmp(c, "sleep")) usleep((useconds_t)strtoul(a[1], NULL, 0) * 1000);
	else if (!strcmp(c, "hold")) for (;;) pause();
	else if (!strcmp(c, "snap")) { if (n < 2) die("snap:STEP"); snap(a[1]); }
	else if (!strcmp(c, "log")) fprintf(stderr, "rkx: %s\n", n >= 2 ? a[1] : "");
	else die("unknown step");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *s = strdup(argv[i]);
		fprintf(stderr, "rkx[%d]: step %s t=%.3f\n", getpid(), argv[i], mono());
		step(s);
		flush_out();
	}
	return 0;
}
