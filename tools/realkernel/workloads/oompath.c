/* oompath.c - run out of memory inside one particular kernel path, so the OOM report's
 * call trace shows that path's frames (dump_stack of the allocating task).
 *
 * usage: oompath MODE MIB
 *   cow       map and write MIB, fork; the child writes every page again (copy-on-write);
 *             the parent waits for it
 *   populate  mmap(MAP_POPULATE) of MIB (vm_mmap_pgoff -> __mm_populate)
 *   mlock     mmap MIB, then mlock it (do_mlock -> __mm_populate)
 *   madvise   mmap MIB, then madvise(MADV_POPULATE_WRITE) (madvise_populate)
 *   pte       read one byte every 2 MiB of a MAP_NORESERVE region MIB GiB long: each read
 *             maps the zero page and needs only a new page-table page (__pte_alloc)
 * oom_score_adj is set to 0 first (the value inherited from /init is -1000).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define MiB (1024UL * 1024UL)
#define PAGE 4096UL
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static void set_adj(int adj)
{
	char buf[32];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd < 0) return;
	int n = snprintf(buf, sizeof buf, "%d\n", adj);
	if (write(fd, buf, n) != n) perror("oom_score_adj");
	close(fd);
}

static char *map(unsigned long bytes, int flags)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (p == MAP_FAILED) { perror("mmap"); exit(2); }
	return p;
}

int main(int argc, char **argv)
{
	if (argc != 3) { fprintf(stderr, "usage: oompath cow|populate|mlock|madvise|pte MIB\n"); return 2; }
	const char *mode = argv[1];
	unsigned long mib = strtoul(argv[2], NULL, 0);
	unsigned long bytes = mib * MiB;
	set_adj(0);
	if (!strcmp(mode, "cow")) {
		char *p = map(bytes, 0);
		madvise(p, bytes, MADV_NOHUGEPAGE);
		for (unsigned long o = 0; o < bytes; o += PAGE) p[o] = 1;
		pid_t c = fork();
		if (c == 0) {
			for (unsigned long o = 0; o < bytes; o += PAGE) p[o] = 2;
			printf("child wrote %lu MiB\n", mib);
			_exit(0);
		}
		int st;
		waitpid(c, &st, 0);
		printf("child status %d\n", st);
	} else if (!strcmp(mode, "populate")) {
		map(bytes, MAP_POPULATE);
		printf("populated %lu MiB\n", mib);
	} else if (!strcmp(mode, "mlock")) {
		char *p = map(bytes, 0);
		if (mlock(p, bytes)) perror("mlock");
		printf("mlocked %lu MiB\n", mib);
	} else if (!strcmp(mode, "madvise")) {
		char *p = map(bytes, 0);
		if (madvise(p, bytes, MADV_POPULATE_WRITE)) perror("madvise");
		printf("populated %lu MiB\n", mib);
	} else if (!strcmp(mode, "pte")) {
		unsigned long len = mib << 30;
		volatile char *p = map(len, MAP_NORESERVE);
		unsigned long sum = 0;
		for (unsigned long o = 0; o < len; o += 2 * MiB) sum += p[o];
		printf("read %lu GiB sparse, sum %lu\n", mib, sum);
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}
