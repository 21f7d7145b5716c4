/**
 * Shipped scenarios a real guest cannot run, because compile refuses one of their steps (see
 * compile.test.ts's last test): kernel-leak-oom's and dcache-pressure's kmalloc and mkfiles,
 * sysv-shm's shm step, the memcg scenarios' cgroups (memcg-oom, memory-high-throttle,
 * memory-low-protection, noisy-neighbour, oom-group), dirty-throttle's fsync,
 * mmap-shared-file's msync and slab-growth's counted fork — none has a guest step yet
 * (sl-fork itself is the real run slab-growth mirrors).
 */
export const NOT_VALIDATABLE: readonly string[] = Object.freeze(["dcache-pressure", "kernel-leak-oom", "sysv-shm", "memcg-oom", "memory-high-throttle", "memory-low-protection", "noisy-neighbour", "oom-group", "dirty-throttle", "mmap-shared-file", "slab-growth"]);
