/**
 * Shipped scenarios a real guest cannot run, because compile refuses one of their steps (see
 * compile.test.ts): kernel-leak-oom's and dcache-pressure's kmalloc and mkfiles, sysv-shm's shm
 * step and slab-growth's counted fork — none has a guest step yet (sl-fork itself is the real
 * run slab-growth mirrors) — and tlb-shootdown's CPU placement (the guest pins nothing).
 */
export const NOT_VALIDATABLE: readonly string[] = Object.freeze(["dcache-pressure", "kernel-leak-oom", "sysv-shm", "slab-growth", "tlb-shootdown"]);
