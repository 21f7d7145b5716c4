/**
 * The call trace and user registers dump_stack prints under an OOM report, for the path that
 * allocated: the frames of Debian's 6.1.192 build (linux-image-6.1.0-56-amd64), as
 * show_trace_log_lvl prints them ("symbol+offset/size", "? " for a guess the unwinder could
 * not confirm), followed by the user-mode registers of the task's entry into the kernel.
 *
 * Where the frames come from. The anonymous fault is the real w3a report
 * (test/realkernel/data/w3a). Copy-on-write, MAP_POPULATE, mlock, MADV_POPULATE_WRITE and a
 * page-table allocation in a fault are real reports of the same kernel, captured by the QEMU
 * harness's wo-* workloads (tools/realkernel, workloads/oompath.c), kept in
 * test/realkernel/data/wo-*. The others (swap-in, mlock2, mlockall, brk, mremap, mprotect, a
 * shmem fault, fork's pgd and page-table copies) were not provoked in a guest: their offsets
 * are the return addresses of the calls in the same vmlinux (objdump of the image, symbols from
 * the guest's /proc/kallsyms with nokaslr, test/realkernel/data/wks), checked by reproducing
 * every captured offset the same way. A frame the compiler inlined does not appear (dup_mm in
 * copy_process, swap_vma_readahead in swapin_readahead); a tail call leaves no frame
 * (swapin_readahead's jump to swap_cluster_readahead, alloc_pages' to __alloc_pages).
 *
 * @kernel arch/x86/kernel/dumpstack.c show_trace_log_lvl, show_regs, show_iret_regs
 * @kernel lib/dump_stack.c dump_stack_lvl
 *
 * Simplified: the "? " entries are those of the captures (stack garbage the unwinder reports,
 * which varies from run to run, is left out except policy_node, present in every capture of
 * vma_alloc_folio). The user registers other than the syscall number (ORIG_RAX) and, for a
 * fault, the buffer being written are those of the capture of that entry. A fault inside
 * swap readahead is shown at the readahead loop's call (swap_cluster_readahead's first
 * __read_swap_cache_async), a shmem fault as a write fault on a shared mapping.
 */

/** How the task entered the kernel for the allocation: its syscall number, or NO_SYSCALL for a user page fault. */
export const NO_SYSCALL = -1;

/** x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) of the entries the model knows. */
export const __NR_mmap = 9;
export const __NR_mprotect = 10;
export const __NR_brk = 12;
export const __NR_mremap = 25;
export const __NR_madvise = 28;
export const __NR_clone = 56;
export const __NR_mlock = 149;
export const __NR_mlockall = 151;
export const __NR_mlock2 = 325;

/**
 * The syscall each Process method enters by (glibc's fork() is clone; exit() is exit_group);
 * a method not listed is a user-mode access (touch, read), whose faults enter by the exception.
 */
export const SYSCALL_NR: Readonly<Record<string, number>> = Object.freeze({
  read: 0,
  write: 1,
  mmap: __NR_mmap,
  mprotect: __NR_mprotect,
  munmap: 11,
  shmget: 29,
  shmat: 30,
  shmctl: 31,
  shmdt: 67,
  brk: __NR_brk,
  mremap: __NR_mremap,
  madvise: __NR_madvise,
  fork: __NR_clone,
  exit: 231,
  mlock: __NR_mlock,
  munlock: 150,
  mlockall: __NR_mlockall,
  munlockall: 152,
  swapon: 167,
  swapoff: 168,
  mlock2: __NR_mlock2,
  pkey_mprotect: 329,
  pkey_alloc: 330,
  pkey_free: 331,
  fsync: 74,
  fdatasync: 75,
  sync: 162,
  syncfs: 306,
  msync: 26,
  ioctl: 16,
  userfaultfd: 323,
});

/** What allocated, as the OOM report's gfp_mask and order tell it plus the one thing they cannot: a swap-in. */
export type AllocPath = "anon" | "cow" | "swapin" | "swapin_vma" | "shmem" | "pte" | "pgd" | "memcg_anon";

/** From out_of_memory to the page allocator: the frames every OOM kill prints first. */
const OOM_KILL_HEAD = Object.freeze(["dump_stack_lvl+0x44/0x5c", "dump_header+0x4c/0x22b", "oom_kill_process.cold+0xb/0x10", "out_of_memory+0x1fd/0x4c0"]);
/** dump_header(oc, NULL) when no task can be killed, in out_of_memory's cold section. */
const NO_VICTIM_HEAD = Object.freeze(["dump_stack_lvl+0x44/0x5c", "dump_header+0x4c/0x22b", "out_of_memory.cold+0xa/0x7e"]);
/** check_panic_on_oom's dump_header(oc, NULL). */
const PANIC_ON_OOM_HEAD = Object.freeze(["dump_stack_lvl+0x44/0x5c", "dump_header+0x4c/0x22b", "out_of_memory.cold+0x42/0x7e"]);
/** panic("System is deadlocked on memory") (captured, wo-pte) and panic_on_oom's panic. */
const PANIC_DEADLOCK_HEAD = Object.freeze(["dump_stack_lvl+0x44/0x5c", "panic+0x118/0x2f4", "out_of_memory.cold+0x2f/0x7e"]);
const PANIC_ON_OOM_PANIC_HEAD = Object.freeze(["dump_stack_lvl+0x44/0x5c", "panic+0x118/0x2f4", "out_of_memory.cold+0x67/0x7e"]);
const SLOWPATH = Object.freeze(["__alloc_pages_slowpath.constprop.0+0x67f/0xe70", "__alloc_pages+0x305/0x330"]);
/** vma_alloc_folio's frames down to the page allocator (every capture shows the policy_node guess). */
const FOLIO = Object.freeze(["__folio_alloc+0x17/0x50", "? policy_node+0x51/0x70", "vma_alloc_folio+0x9c/0x370"]);

/** The frames from the allocator's caller up to handle_mm_fault's call of __handle_mm_fault, per path. */
const FAULT_FRAMES: Record<AllocPath, readonly string[]> = Object.freeze({
  anon: Object.freeze([...FOLIO, "__handle_mm_fault+0x92f/0xfa0"]),
  cow: Object.freeze([...FOLIO, "wp_page_copy+0x80/0x720", "__handle_mm_fault+0x97b/0xfa0"]),
  swapin: Object.freeze([...FOLIO, "__read_swap_cache_async+0xfb/0x260", "swap_cluster_readahead+0x188/0x360", "do_swap_page+0x16e/0x9f0", "__handle_mm_fault+0x86b/0xfa0"]),
  swapin_vma: Object.freeze([...FOLIO, "__read_swap_cache_async+0xfb/0x260", "swapin_readahead+0xd3/0x4e0", "do_swap_page+0x16e/0x9f0", "__handle_mm_fault+0x86b/0xfa0"]),
  shmem: Object.freeze([...FOLIO, "shmem_alloc_folio+0x82/0xd0", "shmem_alloc_and_acct_folio+0x7b/0x1a0", "shmem_get_folio_gfp+0x315/0x7d0", "shmem_fault+0x71/0x290", "__do_fault+0x33/0x110", "do_fault+0x319/0x410", "__handle_mm_fault+0x660/0xfa0"]),
  pte: Object.freeze(["pte_alloc_one+0x13/0x40", "__pte_alloc+0x26/0x90", "__handle_mm_fault+0xe7e/0xfa0"]),
  pgd: Object.freeze(["__get_free_pages+0xd/0x40", "pgd_alloc+0x33/0x230"]),
  // A memcg OOM: the charge of an anonymous fault's page, not the page allocator (w4, mc-swap-max).
  memcg_anon: Object.freeze(["mem_cgroup_out_of_memory+0x134/0x150", "try_charge_memcg+0x696/0x780", "charge_memcg+0x39/0xf0", "__mem_cgroup_charge+0x28/0x80", "__handle_mm_fault+0x95c/0xfa0"]),
});

/** A user-mode page fault: the exception entry. */
const USER_FAULT_ENTRY = Object.freeze(["handle_mm_fault+0xdb/0x2d0", "do_user_addr_fault+0x191/0x570", "exc_page_fault+0x70/0x170", "asm_exc_page_fault+0x22/0x30"]);
/** get_user_pages faulting the pages in for a populate. */
const GUP = Object.freeze(["handle_mm_fault+0xdb/0x2d0", "__get_user_pages+0x1ea/0x660"]);
const POPULATE = Object.freeze([...GUP, "populate_vma_page_range+0x52/0x70", "__mm_populate+0xfd/0x190"]);
const SYSCALL_ENTRY = Object.freeze(["do_syscall_64+0x5d/0xb0", "entry_SYSCALL_64_after_hwframe+0x6e/0xd8"]);

/** The frames from the fault handling (or the populate) to the syscall entry, per syscall. */
const SYSCALL_FRAMES: Readonly<Record<number, readonly string[]>> = Object.freeze({
  [__NR_mmap]: Object.freeze([...POPULATE, "vm_mmap_pgoff+0x122/0x180"]),
  [__NR_mlock]: Object.freeze([...POPULATE, "do_mlock+0x181/0x2d0", "__x64_sys_mlock+0x17/0x20"]),
  [__NR_mlock2]: Object.freeze([...POPULATE, "do_mlock+0x181/0x2d0", "__x64_sys_mlock2+0x2c/0x40"]),
  [__NR_mlockall]: Object.freeze([...POPULATE, "__do_sys_mlockall+0x15f/0x1e0"]),
  [__NR_madvise]: Object.freeze([...GUP, "faultin_vma_page_range+0x4e/0x70", "do_madvise+0x6f7/0xf00", "__x64_sys_madvise+0x28/0x30"]),
  [__NR_brk]: Object.freeze([...POPULATE, "__do_sys_brk+0x2db/0x340"]),
  [__NR_mremap]: Object.freeze([...POPULATE, "__do_sys_mremap+0x310/0x980"]),
  [__NR_mprotect]: Object.freeze([...GUP, "populate_vma_page_range+0x52/0x70", "mprotect_fixup+0x27a/0x330", "do_mprotect_pkey+0x2ef/0x440", "__x64_sys_mprotect+0x1b/0x30"]),
});

/** fork: the child's pgd (mm_init) or a page table copied by copy_page_range, under kernel_clone. */
const CLONE_PGD = Object.freeze(["mm_init+0x1a6/0x300", "copy_process+0x1930/0x1ae0", "kernel_clone+0xbf/0x430", "__do_sys_clone+0x7b/0xb0"]);
const CLONE_PTE = Object.freeze(["pte_alloc_one+0x13/0x40", "__pte_alloc+0x26/0x90", "copy_page_range+0xda2/0x1400", "dup_mmap+0x438/0x610", "copy_process+0x1945/0x1ae0", "kernel_clone+0xbf/0x430", "__do_sys_clone+0x7b/0xb0"]);

/** Which frames head the trace: who called dump_stack (or panic) on the way out of out_of_memory. */
export type TraceHead = "oom_kill" | "no_victim" | "panic_on_oom" | "panic_on_oom_panic" | "deadlock_panic";
const HEADS: Record<TraceHead, readonly string[]> = Object.freeze({
  oom_kill: OOM_KILL_HEAD,
  no_victim: NO_VICTIM_HEAD,
  panic_on_oom: PANIC_ON_OOM_HEAD,
  panic_on_oom_panic: PANIC_ON_OOM_PANIC_HEAD,
  deadlock_panic: PANIC_DEADLOCK_HEAD,
});

/**
 * The call trace of an allocation that ran out of memory: `head` (out_of_memory's caller of
 * dump_stack), the allocator, the allocating path, and the entry (a user fault, or the syscall
 * `orig_ax`).
 */
export function oom_call_trace(head: TraceHead, path: AllocPath, orig_ax: number): string[] {
  const out = path === "memcg_anon" ? [...HEADS[head]] : [...HEADS[head], ...SLOWPATH];
  if (orig_ax === __NR_clone && (path === "pgd" || path === "pte")) return [...out, ...(path === "pgd" ? [...FAULT_FRAMES.pgd, ...CLONE_PGD] : CLONE_PTE), ...SYSCALL_ENTRY];
  out.push(...FAULT_FRAMES[path]);
  const sys = SYSCALL_FRAMES[orig_ax];
  if (sys) return [...out, ...sys, ...SYSCALL_ENTRY];
  return [...out, ...USER_FAULT_ENTRY];
}

/**
 * The user program's registers as show_regs prints them for the entry (show_iret_regs and the
 * general registers): for a page fault, w3a's anon.c touch loop with `buf` (the buffer being
 * written) in RAX and RDI; for a syscall, the static glibc stub of that call, ORIG_RAX the
 * syscall number and RAX -ENOSYS (0xffffffffffffffda), as the entry code leaves it.
 */
export function user_regs(orig_ax: number, buf: number): string[] {
  if (orig_ax === NO_SYSCALL) {
    return [
      "RIP: 0033:0x4017c2",
      `Code: ${ANON_TOUCH_CODE}`,
      "RSP: 002b:00007fffffffeb50 EFLAGS: 00000206",
      `RAX: ${hex16(buf)} RBX: 0000000000000047 RCX: 00000000000000bd`,
      `RDX: 00000000000bc000 RSI: 0000000000100000 RDI: ${hex16(buf)}`,
      "RBP: 0000000000001000 R08: 00000000ffffffff R09: 0000000000000000",
      "R10: 0000000000000022 R11: 0000000000000202 R12: 0000000000000001",
      "R13: 0000000000000001 R14: 0000000000000001 R15: 0000000000100000",
    ];
  }
  // The captures' stubs: mmap's (wo-populate) and the one-instruction template the others share
  // (wo-mlock, wo-madvise: "mov $NR,%eax; syscall"), with the syscall number in its immediate.
  const mmap = orig_ax === __NR_mmap;
  const rip = mmap ? "0x43a6b3" : "0x43a797";
  const code = mmap ? MMAP_STUB_CODE : syscall_stub_code(orig_ax);
  return [
    `RIP: 0033:${rip}`,
    `Code: ${code}`,
    `RSP: 002b:00007fffffffebd8 EFLAGS: 00000206 ORIG_RAX: ${hex16(orig_ax)}`,
    "RAX: ffffffffffffffda RBX: 000000000c800000 RCX: " + (mmap ? "000000000043a6b3" : "000000000043a797"),
    "RDX: 0000000000000003 RSI: 000000000c800000 RDI: 00007fffeb7f9000",
    "RBP: 000000000047b068 R08: 00000000ffffffff R09: 0000000000000000",
    "R10: 0000000000000022 R11: 0000000000000206 R12: 00000000000000c8",
    "R13: 00007fffffffefb7 R14: 00007fffffffebe0 R15: 0000000000000003",
  ];
}

/** The faulting instruction bytes of anon.c's touch loop in the static /bin/anon (w3a). */
const ANON_TOUCH_CODE =
  "0f 47 c6 4d 89 c7 4d 89 c4 49 c1 e7 14 4c 89 ff e8 33 03 00 00 31 d2 4d 85 ff 74 1d 0f 1f 40 00 48 89 d1 48 c1 e9 0c 83 c1 01 <88> 0c 10 48 81 c2 00 10 00 00 4c 39 fa 72 e7 4c 01 e3 f6 c3 0f 0f";
/** glibc's mmap stub in the static oompath (wo-populate). */
const MMAP_STUB_CODE =
  "28 00 00 00 75 05 48 83 c4 28 c3 e8 17 1a 00 00 0f 1f 80 00 00 00 00 41 89 ca 41 f7 c1 ff 0f 00 00 75 14 b8 09 00 00 00 0f 05 <48> 3d 00 f0 ff ff 77 25 c3 0f 1f 40 00 48 c7 c0 b8 ff ff ff 64 c7";
/**
 * glibc's one-syscall stub in the static oompath, "mov $nr,%eax; syscall" and the errno
 * check around it: wo-mlock's has b8 95 00 00 00 (mlock, 149), wo-madvise's b8 1c 00 00 00.
 */
function syscall_stub_code(nr: number): string {
  const imm = [nr & 0xff, (nr >>> 8) & 0xff, (nr >>> 16) & 0xff, (nr >>> 24) & 0xff].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return `73 01 c3 48 c7 c1 b8 ff ff ff f7 d8 64 89 01 48 83 c8 ff c3 66 2e 0f 1f 84 00 00 00 00 00 0f 1f 44 00 00 b8 ${imm} 0f 05 <48> 3d 01 f0 ff ff 73 01 c3 48 c7 c1 b8 ff ff ff f7 d8 64 89 01 48`;
}

/** %016lx of a non-negative value. */
function hex16(n: number): string {
  return Math.max(0, Math.floor(n)).toString(16).padStart(16, "0");
}
