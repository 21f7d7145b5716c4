/**
 * Invalid memory syscalls and the errno 6.1 returns for each, with the line of the Linux 6.1
 * source (Debian linux-source-6.1) that returns it. Every row runs against a fresh process of
 * a fresh machine, through the public Process API, and must throw Errno with that code.
 */
import { describe, expect, it } from "vitest";
import { Errno, type ErrnoName } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { procWrite } from "../fs/proc/root.js";
import "../fs/proc/array.js";
import { type Process, spawnProcess } from "../sim/process.js";
import { FMODE_READ, type file } from "./mm_types.js";
import { shmem_file_setup } from "./shmem.js";
import { MiB } from "./types.js";
import { taskOf } from "../api/internals.js";

const PAGE = 4096;

interface Row {
  what: string;
  /** The kernel line that returns the errno. */
  cite: string;
  errno: ErrnoName;
  run: (p: Process, k: Kernel) => void;
}

/** A shmem file opened read-only (f_mode FMODE_READ). */
function readOnlyFile(k: Kernel): file {
  const f = shmem_file_setup(k, null, "ro", 16 * PAGE, 0) as file;
  f.f_mode = FMODE_READ;
  return f;
}

/** A file whose filesystem has no ->mmap. */
function noMmapFile(k: Kernel): file {
  const f = shmem_file_setup(k, null, "nommap", 16 * PAGE, 0) as file;
  f.f_op = { name: "nommap" };
  return f;
}

const rows: Row[] = [
  // ---- mmap ----
  { what: "mmap with length 0", cite: "mm/mmap.c:1281 do_mmap: if (!len) return -EINVAL", errno: "EINVAL", run: (p) => p.mmap(0) },
  { what: "mmap with an unaligned file offset", cite: "arch/x86/kernel/sys_x86_64.c:90 sys_mmap: if (off & ~PAGE_MASK) return -EINVAL", errno: "EINVAL", run: (p) => p.mmap(PAGE, { offset: 100 }) },
  { what: "mmap longer than the address space", cite: "mm/mmap.c:1841 get_unmapped_area: if (len > TASK_SIZE) return -ENOMEM", errno: "ENOMEM", run: (p) => p.mmap(2 ** 48) },
  {
    what: "MAP_FIXED_NOREPLACE over an existing mapping",
    cite: "mm/mmap.c:1323 do_mmap: find_vma_intersection → return -EEXIST",
    errno: "EEXIST",
    run: (p) => {
      const a = p.mmap(4 * PAGE);
      p.mmap(PAGE, { addr: a + PAGE, flags: "private|anonymous|fixed_noreplace" });
    },
  },
  { what: "mmap with neither MAP_SHARED nor MAP_PRIVATE", cite: "mm/mmap.c:1426 do_mmap: default: return -EINVAL", errno: "EINVAL", run: (p) => p.mmap(PAGE, { flags: "anonymous" }) },
  { what: "shared anonymous MAP_GROWSDOWN", cite: "mm/mmap.c:1412 do_mmap: MAP_SHARED with VM_GROWSDOWN → -EINVAL", errno: "EINVAL", run: (p) => p.mmap(PAGE, { flags: "shared|anonymous|growsdown" }) },
  { what: "file mmap without a file", cite: "mm/mmap.c:1463 ksys_mmap_pgoff: fget(fd) fails → -EBADF", errno: "EBADF", run: (p) => p.mmap(PAGE, { flags: "private" }) },
  { what: "MAP_SHARED PROT_WRITE of a read-only file", cite: "mm/mmap.c:1372 do_mmap: !(file->f_mode & FMODE_WRITE) → -EACCES", errno: "EACCES", run: (p, k) => p.mmap(PAGE, { flags: "shared", prot: "rw", file: readOnlyFile(k) }) },
  { what: "mmap of a file with no ->mmap", cite: "mm/mmap.c:1400 do_mmap: if (!file->f_op->mmap) return -ENODEV", errno: "ENODEV", run: (p, k) => p.mmap(PAGE, { flags: "private", prot: "r", file: noMmapFile(k) }) },
  { what: "file mmap with MAP_GROWSDOWN", cite: "mm/mmap.c:1401 do_mmap: file with VM_GROWSDOWN → -EINVAL", errno: "EINVAL", run: (p, k) => p.mmap(PAGE, { flags: "private|growsdown", prot: "r", file: readOnlyFile(k) }) },
  {
    what: "MAP_SHARED_VALIDATE with MAP_SYNC on a file that does not support it",
    cite: "mm/mmap.c:1369 do_mmap: if (flags & ~flags_mask) return -EOPNOTSUPP",
    errno: "EOPNOTSUPP",
    run: (p, k) => p.mmap(PAGE, { flags: "shared_validate|sync", prot: "r", file: readOnlyFile(k) }),
  },
  {
    what: "MAP_LOCKED beyond RLIMIT_MEMLOCK without CAP_IPC_LOCK",
    cite: "mm/mmap.c:1344 do_mmap: mlock_future_check → -EAGAIN",
    errno: "EAGAIN",
    run: (p) => {
      taskOf(p).uid = 1000;
      p.mmap(16 * MiB, { flags: "private|anonymous|locked" });
    },
  },
  {
    what: "MAP_FIXED below mmap_min_addr without CAP_SYS_RAWIO",
    cite: "security/commoncap.c:1433 cap_mmap_addr (via get_unmapped_area mm/mmap.c:1867) → -EPERM",
    errno: "EPERM",
    run: (p) => {
      taskOf(p).uid = 1000;
      p.mmap(PAGE, { addr: 0x1000, flags: "private|anonymous|fixed" });
    },
  },
  {
    what: "mmap past vm.max_map_count",
    cite: "mm/mmap.c:1311 do_mmap: if (mm->map_count > sysctl_max_map_count) return -ENOMEM",
    errno: "ENOMEM",
    run: (p, k) => {
      procWrite(k, "/proc/sys/vm/max_map_count", `${taskOf(p).mm!.map_count - 1}\n`);
      p.mmap(PAGE, { prot: "r" });
    },
  },
  {
    what: "anonymous MAP_HUGETLB with no huge pages",
    cite: "mm/hugetlb.c hugetlb_reserve_pages (via mm/mmap.c:1482 hugetlb_file_setup) → -ENOMEM",
    errno: "ENOMEM",
    run: (p) => p.mmap(2 * MiB, { flags: "private|anonymous|hugetlb" }),
  },
  {
    what: "MAP_HUGETLB on a file that is not on hugetlbfs",
    cite: "mm/mmap.c:1458 ksys_mmap_pgoff: !is_file_hugepages(file) && (flags & MAP_HUGETLB) → -EINVAL",
    errno: "EINVAL",
    run: (p, k) => p.mmap(PAGE, { flags: "private|hugetlb", prot: "r", file: readOnlyFile(k) }),
  },
  {
    what: "private writable mmap larger than RAM under overcommit_memory=0",
    cite: "mm/util.c:1003 __vm_enough_memory: pages > totalram_pages() + total_swap_pages → -ENOMEM",
    errno: "ENOMEM",
    run: (p) => p.mmap(1024 * MiB),
  },
  // ---- munmap ----
  { what: "munmap of an unaligned address", cite: "mm/mmap.c:2643 do_mas_munmap: offset_in_page(start) → -EINVAL", errno: "EINVAL", run: (p) => p.munmap(0x400001, PAGE) },
  { what: "munmap with length 0", cite: "mm/mmap.c:2647 do_mas_munmap: if (end == start) return -EINVAL", errno: "EINVAL", run: (p) => p.munmap(0x400000, 0) },
  { what: "munmap beyond TASK_SIZE", cite: "mm/mmap.c:2643 do_mas_munmap: len > TASK_SIZE - start → -EINVAL", errno: "EINVAL", run: (p) => p.munmap(2 ** 47 - PAGE, 2 * PAGE) },
  {
    what: "munmap splitting a VMA in the middle at max_map_count",
    cite: "mm/mmap.c:2482 do_mas_align_munmap: goto map_count_exceeded → -ENOMEM",
    errno: "ENOMEM",
    run: (p, k) => {
      const a = p.mmap(8 * PAGE);
      procWrite(k, "/proc/sys/vm/max_map_count", `${taskOf(p).mm!.map_count}\n`);
      p.munmap(a + 2 * PAGE, PAGE);
    },
  },
  // ---- mprotect ----
  { what: "mprotect of an unaligned address", cite: "mm/mprotect.c:689 do_mprotect_pkey: start & ~PAGE_MASK → -EINVAL", errno: "EINVAL", run: (p) => p.mprotect(0x400001, PAGE, "r") },
  { what: "mprotect with unknown PROT bits", cite: "mm/mprotect.c:697 do_mprotect_pkey: !arch_validate_prot → -EINVAL", errno: "EINVAL", run: (p) => p.mprotect(0x400000, PAGE, 0x10) },
  { what: "mprotect with PROT_GROWSDOWN|PROT_GROWSUP", cite: "mm/mprotect.c:686 do_mprotect_pkey: grows == both → -EINVAL", errno: "EINVAL", run: (p) => p.mprotect(0x400000, PAGE, 0x03000001) },
  { what: "pkey_mprotect with an unallocated key", cite: "mm/mprotect.c:710 do_mprotect_pkey: !mm_pkey_is_allocated → -EINVAL", errno: "EINVAL", run: (p) => p.pkeyMprotect(0x400000, PAGE, "r", 5) },
  { what: "mprotect of an unmapped range", cite: "mm/mprotect.c:715 do_mprotect_pkey: error = -ENOMEM; if (!vma) goto out", errno: "ENOMEM", run: (p) => p.mprotect(0x7ffffffff000 - 0x100000000, PAGE, "r") },
  {
    what: "mprotect over a hole",
    cite: "mm/mprotect.c:805 do_mprotect_pkey: next vma does not start at nstart → -ENOMEM",
    errno: "ENOMEM",
    run: (p) => {
      const a = p.mmap(4 * PAGE);
      p.munmap(a + PAGE, PAGE);
      p.mprotect(a, 4 * PAGE, "r");
    },
  },
  { what: "mprotect of a gap below a mapping", cite: "mm/mprotect.c:727 do_mprotect_pkey: vma->vm_start > start → -ENOMEM", errno: "ENOMEM", run: (p) => p.mprotect(0x3ff000, 2 * PAGE, "r") },
  {
    what: "mprotect PROT_WRITE of a read-only shared file mapping",
    cite: "mm/mprotect.c:768 do_mprotect_pkey: newflags beyond VM_MAY* → -EACCES",
    errno: "EACCES",
    run: (p, k) => {
      const a = p.mmap(PAGE, { flags: "shared", prot: "r", file: readOnlyFile(k) });
      p.mprotect(a, PAGE, "rw");
    },
  },
  // ---- mremap ----
  { what: "mremap with unknown flags", cite: "mm/mremap.c:972 mremap: flags & ~(FIXED|MAYMOVE|DONTUNMAP) → -EINVAL", errno: "EINVAL", run: (p) => p.mremap(0x400000, PAGE, 2 * PAGE, 8) },
  { what: "mremap MREMAP_FIXED without MREMAP_MAYMOVE", cite: "mm/mremap.c:975 mremap: FIXED && !MAYMOVE → -EINVAL", errno: "EINVAL", run: (p) => p.mremap(0x400000, PAGE, PAGE, 2, 0x10000000) },
  { what: "mremap MREMAP_DONTUNMAP with a new size", cite: "mm/mremap.c:983 mremap: DONTUNMAP && old_len != new_len → -EINVAL", errno: "EINVAL", run: (p) => p.mremap(0x400000, PAGE, 2 * PAGE, { mayMove: true, dontUnmap: true }) },
  { what: "mremap to length 0", cite: "mm/mremap.c:998 mremap: if (!new_len) → -EINVAL", errno: "EINVAL", run: (p) => p.mremap(0x400000, PAGE, 0) },
  { what: "mremap of an unmapped address", cite: "mm/mremap.c:1005 mremap: !vma_lookup → -EFAULT", errno: "EFAULT", run: (p) => p.mremap(0x10000000, PAGE, 2 * PAGE, { mayMove: true }) },
  { what: "mremap of a range running past its VMA", cite: "mm/mremap.c:815 vma_to_resize: old_len > vm_end - addr → -EFAULT", errno: "EFAULT", run: (p) => p.mremap(0x400000, 2 * PAGE, 4 * PAGE, { mayMove: true }) },
  {
    what: "mremap duplicating a private mapping (old_len 0)",
    cite: "mm/mremap.c:806 vma_to_resize: !old_len on a private mapping → -EINVAL",
    errno: "EINVAL",
    run: (p) => {
      const a = p.mmap(PAGE);
      p.mremap(a, 0, PAGE, { mayMove: true });
    },
  },
  {
    what: "mremap growing into a taken range without MREMAP_MAYMOVE",
    cite: "mm/mremap.c:1132 mremap: not expandable, no MAYMOVE → -ENOMEM",
    errno: "ENOMEM",
    run: (p) => {
      const a = p.mmap(2 * PAGE);
      p.mprotect(a + PAGE, PAGE, "r"); // a second VMA right after the first page
      p.mremap(a, PAGE, 2 * PAGE);
    },
  },
  {
    what: "mremap MREMAP_FIXED onto an overlapping range",
    cite: "mm/mremap.c:857 mremap_to: ranges overlap → -EINVAL",
    errno: "EINVAL",
    run: (p) => {
      const a = p.mmap(4 * PAGE);
      p.mremap(a, 2 * PAGE, 2 * PAGE, { fixed: a + PAGE });
    },
  },
  { what: "mremap MREMAP_FIXED to an unaligned address", cite: "mm/mremap.c:850 mremap_to: offset_in_page(new_addr) → -EINVAL", errno: "EINVAL", run: (p) => p.mremap(0x4af000, PAGE, PAGE, { fixed: 0x10000001 }) },
  // ---- madvise ----
  { what: "madvise with unknown advice", cite: "mm/madvise.c:1405 do_madvise: !madvise_behavior_valid → -EINVAL", errno: "EINVAL", run: (p) => p.madvise(0x400000, PAGE, 7) },
  { what: "madvise of an unaligned address", cite: "mm/madvise.c:1408 do_madvise: !PAGE_ALIGNED(start) → -EINVAL", errno: "EINVAL", run: (p) => p.madvise(0x400001, PAGE, "dontneed") },
  { what: "madvise over an unmapped range", cite: "mm/madvise.c:1242 madvise_walk_vmas: if (!vma) return -ENOMEM", errno: "ENOMEM", run: (p) => p.madvise(0x7ffffffff000 - 0x100000000, PAGE, "dontneed") },
  {
    what: "madvise over a hole (the rest is still advised)",
    cite: "mm/madvise.c:1246 madvise_walk_vmas: unmapped_error = -ENOMEM",
    errno: "ENOMEM",
    run: (p) => {
      const a = p.mmap(4 * PAGE);
      p.munmap(a + PAGE, PAGE);
      p.madvise(a, 4 * PAGE, "dontfork");
    },
  },
  { what: "MADV_WIPEONFORK on shared memory", cite: "mm/madvise.c:1056 madvise_vma_behavior: vm_file or VM_SHARED → -EINVAL", errno: "EINVAL", run: (p) => p.madvise(p.mmap(PAGE, { flags: "shared|anonymous" }), PAGE, "wipeonfork") },
  {
    what: "MADV_DONTNEED on mlocked memory",
    cite: "mm/madvise.c:807 madvise_dontneed_free_valid_vma: VM_LOCKED is forbidden → -EINVAL",
    errno: "EINVAL",
    run: (p) => {
      const a = p.mmap(PAGE);
      p.mlock(a, PAGE);
      p.madvise(a, PAGE, "dontneed");
    },
  },
  { what: "MADV_FREE on a shared (shmem) mapping", cite: "mm/madvise.c:743 madvise_free_single_vma: !vma_is_anonymous → -EINVAL", errno: "EINVAL", run: (p) => p.madvise(p.mmap(PAGE, { flags: "shared|anonymous" }), PAGE, "free") },
  {
    what: "MADV_COLD on mlocked memory",
    cite: "mm/madvise.c:531 madvise_cold: !can_madv_lru_vma → -EINVAL",
    errno: "EINVAL",
    run: (p) => {
      const a = p.mmap(PAGE);
      p.mlock(a, PAGE);
      p.madvise(a, PAGE, "cold");
    },
  },
  {
    what: "MADV_HWPOISON without CAP_SYS_ADMIN",
    cite: "mm/madvise.c:1112 madvise_inject_error: !capable(CAP_SYS_ADMIN) → -EPERM",
    errno: "EPERM",
    run: (p) => {
      taskOf(p).uid = 1000;
      p.madvise(0x400000, PAGE, 100);
    },
  },
  // ---- mlock ----
  { what: "mlock2 with unknown flags", cite: "mm/mlock.c:623 mlock2: flags & ~MLOCK_ONFAULT → -EINVAL", errno: "EINVAL", run: (p) => p.mlock2(0x400000, PAGE, 2) },
  { what: "mlockall(MCL_ONFAULT) alone", cite: "mm/mlock.c:703 mlockall: flags == MCL_ONFAULT → -EINVAL", errno: "EINVAL", run: (p) => p.mlockall(4) },
  { what: "mlockall(0)", cite: "mm/mlock.c:703 mlockall: !flags → -EINVAL", errno: "EINVAL", run: (p) => p.mlockall(0) },
  {
    what: "mlock with RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK",
    cite: "mm/mlock.c:575 do_mlock: !can_do_mlock() → -EPERM",
    errno: "EPERM",
    run: (p) => {
      taskOf(p).uid = 1000;
      p.setRlimit("memlock", 0);
      p.mlock(0x400000, PAGE);
    },
  },
  {
    what: "mlock beyond RLIMIT_MEMLOCK",
    cite: "mm/mlock.c:571 do_mlock: error = -ENOMEM unless locked <= lock_limit",
    errno: "ENOMEM",
    run: (p) => {
      taskOf(p).uid = 1000;
      const a = p.mmap(16 * MiB);
      p.mlock(a, 16 * MiB);
    },
  },
  { what: "mlock of an unmapped range", cite: "mm/mlock.c:484 apply_vma_lock_flags: if (!vma) return -ENOMEM", errno: "ENOMEM", run: (p) => p.mlock(0x10000000, PAGE) },
  // ---- /proc/PID/oom_score_adj ----
  { what: "oom_score_adj above OOM_SCORE_ADJ_MAX", cite: "fs/proc/base.c:1273 oom_score_adj_write: out of range → -EINVAL", errno: "EINVAL", run: (p) => p.setOomScoreAdj(1001) },
  {
    what: "lowering oom_score_adj below its minimum without CAP_SYS_RESOURCE",
    cite: "fs/proc/base.c:1128 __set_oom_adj: oom_adj < oom_score_adj_min → -EACCES",
    errno: "EACCES",
    run: (p) => {
      taskOf(p).uid = 1000;
      taskOf(p).signal.oom_score_adj_min = 0;
      p.setOomScoreAdj(-1);
    },
  },
];

describe("memory syscalls fail with 6.1's errno", () => {
  for (const row of rows) {
    it(`${row.what} → ${row.errno} (${row.cite})`, () => {
      const k = start_kernel({ memory: 512 * MiB });
      const p = spawnProcess(k, { comm: "errno" });
      let caught: unknown = null;
      try {
        row.run(p, k);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(Errno);
      expect((caught as Errno).code).toBe(row.errno);
    });
  }
});
