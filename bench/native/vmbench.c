/* vmbench.c - the native side of bench/vm.bench.ts: the same operations the model is timed on,
 * run on this machine's real kernel.
 *
 * usage: vmbench MODE MIB
 *   touch  MIB  first-touch write faults per second over a fresh MAP_PRIVATE|MAP_ANONYMOUS
 *               region (MADV_NOHUGEPAGE, so every fault maps one 4 KiB page)
 *   cow    MIB  copy-on-write faults per second: the parent touches MIB, forks, and the child
 *               writes every page (each write copies one page); the child reports its rate
 *   fork   MIB  milliseconds one fork() takes with MIB touched (the parent's side of fork)
 *   mmap   N    mmap+munmap pairs per second (4 KiB anonymous, untouched), N pairs
 *   forkexit N  fork+exit+wait cycles per second of a process of 100 anonymous 8 KiB VMAs (odd
 *               ones writable and written, so they have anon_vmas; even ones read-only, so no
 *               two merge), N cycles: bench/slab.bench.ts's fork+exit row on the real kernel
 * Prints one number on stdout.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define MiB (1024UL * 1024UL)
#define PAGE 4096UL

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *map(unsigned long bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) { perror("mmap"); exit(2); }
	madvise(p, bytes, MADV_NOHUGEPAGE);
	return p;
}

static void touch(char *p, unsigned long bytes, char v)
{
	for (unsigned long o = 0; o < bytes; o += PAGE) p[o] = v;
}

int main(int argc, char **argv)
{
	if (argc < 3) { fprintf(stderr, "usage: vmbench touch|cow|fork|mmap|forkexit N\n"); return 1; }
	const char *mode = argv[1];
	unsigned long n = strtoul(argv[2], NULL, 0);
	unsigned long bytes = n * MiB;
	if (!strcmp(mode, "touch")) {
		char *p = map(bytes);
		double t0 = now();
		touch(p, bytes, 1);
		double t1 = now();
		printf("%.0f\n", (bytes / PAGE) / (t1 - t0));
	} else if (!strcmp(mode, "cow")) {
		char *p = map(bytes);
		touch(p, bytes, 1);
		int fd[2];
		if (pipe(fd)) { perror("pipe"); return 2; }
		pid_t c = fork();
		if (c < 0) { perror("fork"); return 2; }
		if (c == 0) {
			double t0 = now();
			touch(p, bytes, 2);
			double t1 = now();
			double rate = (bytes / PAGE) / (t1 - t0);
			if (write(fd[1], &rate, sizeof rate) != sizeof rate) _exit(3);
			_exit(0);
		}
		double rate = 0;
		if (read(fd[0], &rate, sizeof rate) != sizeof rate) { perror("read"); return 2; }
		waitpid(c, NULL, 0);
		printf("%.0f\n", rate);
	} else if (!strcmp(mode, "fork")) {
		char *p = map(bytes);
		touch(p, bytes, 1);
		double t0 = now();
		pid_t c = fork();
		if (c == 0) _exit(0);
		double t1 = now();
		if (c < 0) { perror("fork"); return 2; }
		waitpid(c, NULL, 0);
		printf("%.3f\n", (t1 - t0) * 1e3);
	} else if (!strcmp(mode, "mmap")) {
		double t0 = now();
		for (unsigned long i = 0; i < n; i++) {
			void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) { perror("mmap"); return 2; }
			munmap(p, PAGE);
		}
		double t1 = now();
		printf("%.0f\n", n / (t1 - t0));
	} else if (!strcmp(mode, "forkexit")) {
		for (int i = 0; i < 100; i++) {
			char *a = mmap(NULL, 2 * PAGE, (i & 1) ? PROT_READ | PROT_WRITE : PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (a == MAP_FAILED) { perror("mmap"); return 2; }
			if (i & 1) a[0] = 1;
		}
		double t0 = now();
		for (unsigned long i = 0; i < n; i++) {
			pid_t c = fork();
			if (c == 0) _exit(0);
			if (c < 0) { perror("fork"); return 2; }
			waitpid(c, NULL, 0);
		}
		double t1 = now();
		printf("%.0f\n", n / (t1 - t0));
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 1;
	}
	return 0;
}
