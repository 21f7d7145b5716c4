/**
 * Shipped scenarios a real guest cannot run, because compile refuses one of their steps (see
 * compile.test.ts): kernel-leak-oom's and dcache-pressure's kmalloc and mkfiles, sysv-shm's shm
 * step and slab-growth's counted fork and userfaultfd's userfaultfd and uffdio steps — none has
 * a guest step yet (sl-fork itself is the real run slab-growth mirrors); aslr's unprivileged
 * process (uid 1000: the guest runs all as root), device-memory's memmap= (no nvdimm/dax modules
 * in the guest), and tlb-shootdown's CPU placement (the guest pins nothing).
 */
export const NOT_VALIDATABLE: readonly string[] = Object.freeze(["aslr", "dcache-pressure", "device-memory", "kernel-leak-oom", "sysv-shm", "slab-growth", "tlb-shootdown", "userfaultfd"]);
