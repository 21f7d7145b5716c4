/**
 * Shipped scenarios a real guest cannot run, because compile refuses one of their steps (see
 * compile.test.ts): kernel-leak-oom's and dcache-pressure's kmalloc and mkfiles, sysv-shm's shm
 * step, slab-growth's counted fork and userfaultfd's userfaultfd and uffdio steps — none has a
 * guest step yet (sl-fork itself is the real run slab-growth mirrors).
 */
export const NOT_VALIDATABLE: readonly string[] = Object.freeze(["dcache-pressure", "kernel-leak-oom", "sysv-shm", "slab-growth", "userfaultfd"]);
