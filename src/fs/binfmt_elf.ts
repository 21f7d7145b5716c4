/**
 * Loading a program image into a fresh address space, as load_elf_binary, setup_arg_pages and
 * map_vdso leave it for a static, non-PIE x86-64 binary (the real workloads are static
 * busybox-style programs run from the initramfs, a tmpfs, so their file pages are shmem).
 *
 * The default image reproduces w1's /bin/anon exactly (see test/realkernel/data/w1/proc.maps):
 *   00400000-00401000 r--p  ELF header page           (1 page read: 4 kB shmem)
 *   00401000-0047b000 r-xp  text                       (all 122 pages executed: 488 kB shmem)
 *   0047b000-004a3000 r--p  rodata                     (37 of 40 pages read: 148 kB shmem)
 *   004a3000-004a7000 r--p  RELRO, made read-only after relocation (2 written → anon, 2 read)
 *   004a7000-004aa000 rw-p  data                       (3 pages written → anon)
 *   004aa000-004af000 rw-p  bss (vm_brk_flags)         (2 pages written)
 *   004af000-004d1000 rw-p  the first brk heap         (2 pages written)
 *   7ffff7ff9000-7ffff7ffd000 [vvar], 7ffff7ffd000-7ffff7fff000 [vdso] (1 vdso page mapped)
 *   7ffffffde000-7ffffffff000 [stack]                  (33 pages, top 3 written)
 * giving w1's pre-workload VmSize 992 kB, RssShmem 648 kB, RssFile 4 kB and 48 kB of anon.
 * The touches are done through the MMU path (access_range), so they fault and count like the
 * real start-up does (min_flt).
 *
 * The binary is a file of the rootfs (a tmpfs the initramfs was unpacked into: fs/initramfs.ts),
 * by default /bin/anon, the realkernel workloads' program (their memA, memB, memC… are symlinks
 * to it): every process running it maps the same page cache pages, as on the real guest, where
 * each workload process shows shmem-rss 648 kB and file-rss 4 kB (the vdso page).
 *
 * Randomisation (kernel.randomize_va_space, 0 in the model unless a scenario writes it: see
 * Kernel.randomize_va_space): load_elf_binary gives the task PF_RANDOMIZE unless its personality
 * has ADDR_NO_RANDOMIZE (elf_set_pf_randomize, called before the mm's layout is picked), then
 * the stack top moves down by up to 16 GiB (randomize_stack_top) and up to 8 KiB more
 * (arch_align_stack), the vdso goes at a random page between the stack top and the next 2 MiB
 * boundary (vdso_addr), and with randomize_va_space 2 the heap starts a page past bss plus a
 * random offset below 1 GiB (arch_randomize_brk). The draws come from the machine's PRNG in the
 * kernel's order (mmap_base, stack, stack alignment, vdso, brk), so a seed gives one layout.
 *
 * Simplified: no ELF parsing (an image is a table of segments); the vdso page is installed at exec
 * (the kernel maps it on first touch through special_mapping_fault) and the vvar pages (PFN
 * mappings of kernel data) are never present; no auxv, no argv/envp contents, so
 * create_elf_tables' second arch_align_stack draw is left out and start_stack/arg_start keep w1's
 * offsets from the (shifted) stack top.
 * @kernel fs/binfmt_elf.c load_elf_binary, elf_map, set_brk
 * @kernel mm/util.c randomize_stack_top, randomize_page
 * @kernel arch/x86/kernel/process.c arch_align_stack, arch_randomize_brk
 * @kernel arch/x86/entry/vdso/vma.c vdso_addr, map_vdso_randomized
 * @kernel fs/exec.c __bprm_mm_init, setup_arg_pages
 * @kernel arch/x86/entry/vdso/vma.c map_vdso
 * @kernel mm/mmap.c _install_special_mapping
 */
import type { Kernel } from "../kernel/kernel.js";
import { ADDR_NO_RANDOMIZE, PF_RANDOMIZE, type task_struct } from "../kernel/sched.js";
import { _PAGE_ACCESSED, _PAGE_PRESENT, _PAGE_USER, pte_alloc_map, set_pte_at } from "../arch/x86/pgtable.js";
import { GFP_KERNEL } from "../mm/gfp.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, access_range } from "../arch/x86/mmu.js";
import {
  MM_FILEPAGES,
  type mm_struct,
  TASK_SIZE,
  vm_area_struct,
  VM_DONTDUMP,
  VM_DONTEXPAND,
  VM_EXEC,
  VM_IO,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_PFNMAP,
  VM_READ,
  VM_SOFTDIRTY,
  VM_STACK_FLAGS,
} from "../mm/mm_types.js";
import {
  arch_align_stack,
  arch_randomize_brk,
  DEFAULT_MAP_WINDOW,
  do_mmap,
  expand_downwards,
  get_unmapped_area,
  MAP_FIXED,
  MAP_PRIVATE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  randomize_stack_top,
  sys_brk,
  vm_brk_flags,
  vm_stat_account,
  vma_link,
} from "../mm/mmap.js";
import { do_mprotect_pkey } from "../mm/mprotect.js";
import { alloc_pages } from "../mm/page_alloc.js";
import { page_add_file_rmap } from "../mm/rmap.js";
import { generic_perform_write } from "../mm/filemap.js";
import { xa_store_folio } from "../lib/xarray.js";
import { errnoValues } from "../kernel/errno.js";
import { address_space, type file, FMODE_READ, FMODE_WRITE, type inode, new_mapping_id, S_IFREG, S_ISREG } from "./fs.js";
import { alloc_file, fput } from "./file_table.js";
import { empty_aops } from "./inode.js";
import { mkdir_p, path_lookup, vfs_create } from "./namei.js";
import { PMD_SIZE, vm_get_page_prot } from "../arch/x86/pgtable.js";
import { security_vm_enough_memory_mm } from "../mm/util.js";
import { PAGE_SIZE } from "../mm/types.js";


/** One PT_LOAD segment as mapped, with how many of its pages start-up touches and how. */
export interface ImageSegment {
  start: number;
  end: number;
  /** PROT_* bits the segment ends up with. */
  prot: number;
  /** PROT_* bits at load time (RELRO is mapped writable, then made read-only). */
  loadProt?: number;
  /** File offset. */
  offset: number;
  /** Pages (from the segment start) read, written or executed at start-up. */
  touch?: Array<{ page: number; pages: number; kind: "read" | "write" | "exec" }>;
}

/** A program image: where it is mapped and what its start-up touches. */
export interface ExecImage {
  /** The path /proc/PID/maps shows (a tmpfs file). */
  path: string;
  segments: ImageSegment[];
  /** bss after the last segment: [bssStart, bssEnd) anonymous, vm_brk_flags. */
  bssStart: number;
  bssEnd: number;
  bssTouch: number;
  /** The heap the C library grows at start-up (brk bytes) and the pages it writes. */
  initialBrk: number;
  brkTouch: number;
  /** start_code/end_code/start_data/end_data as /proc/PID/stat reports them. */
  start_code: number;
  end_code: number;
  start_data: number;
  end_data: number;
  /** Stack pages written from the top at start-up (argv, envp, auxv, the first frames). */
  stackTouch: number;
}

/** w1's /bin/anon (and, to within a page, w2's /bin/forkcow): a static glibc binary. */
export function staticBinaryImage(path: string): ExecImage {
  return {
    path,
    segments: [
      { start: 0x400000, end: 0x401000, prot: PROT_READ, offset: 0, touch: [{ page: 0, pages: 1, kind: "read" }] },
      { start: 0x401000, end: 0x47b000, prot: PROT_READ | PROT_EXEC, offset: 0x1000, touch: [{ page: 0, pages: 122, kind: "exec" }] },
      { start: 0x47b000, end: 0x4a3000, prot: PROT_READ, offset: 0x7b000, touch: [{ page: 0, pages: 37, kind: "read" }] },
      {
        start: 0x4a3000,
        end: 0x4aa000,
        prot: PROT_READ | PROT_WRITE,
        offset: 0xa3000,
        touch: [
          { page: 0, pages: 2, kind: "write" },
          { page: 2, pages: 2, kind: "read" },
          { page: 4, pages: 3, kind: "write" },
        ],
      },
    ],
    bssStart: 0x4aa000,
    bssEnd: 0x4af000,
    bssTouch: 2,
    initialBrk: 0x22000,
    brkTouch: 2,
    start_code: 0x401000,
    end_code: 0x47aa01,
    start_data: 0x4a36d8,
    end_data: 0x4a9270,
    stackTouch: 3,
  };
}

/** The RELRO part of the default image's data segment, made read-only after relocation. */
const RELRO = Object.freeze({ start: 0x4a3000, len: 0x4000 });

/**
 * The program's file, opened for exec (open_exec): the rootfs file at the image's path. A path
 * the initramfs did not provide is installed first (written into the rootfs, as a program copied
 * there would be), so a custom image still maps a real file; every process running it shares it.
 * @kernel fs/exec.c open_exec, do_open_execat
 */
function open_exec(k: Kernel, path: string, size: number): file | number {
  let r = path_lookup(k, path);
  if (typeof r === "number") {
    const slash = path.lastIndexOf("/");
    const dir = mkdir_p(k, path.slice(0, slash) || "/");
    if (typeof dir === "number") return dir;
    const d = vfs_create(k, dir, path.slice(slash + 1), S_IFREG | 0o755);
    if (typeof d === "number") return d;
    const w = alloc_file(k, d.d_inode as inode, path, d, FMODE_WRITE, 0);
    const n = generic_perform_write(k, w, 0, size);
    fput(k, w);
    if (n < 0) return n;
    r = path_lookup(k, path);
    if (typeof r === "number") return r;
  }
  const ino = r.dentry.d_inode as inode;
  if (!S_ISREG(ino.i_mode)) return -errnoValues.EACCES;
  return alloc_file(k, ino, r.path, r.dentry, FMODE_READ, 0);
}

/** vdso image: 2 pages of text after 4 pages of vvar (image->size 0x2000, sym_vvar_start -0x4000). */
const VDSO_TEXT = 0x2000;
const VVAR_SIZE = 0x4000;

/**
 * vdso_addr: a hint for [vvar][vdso] between the page above the stack's start and the next
 * 2 MiB boundary less the image, at a random page. With the fixed layout the stack starts in the
 * top page, the boundary is past DEFAULT_MAP_WINDOW, so the window is empty and the hint is the
 * page at TASK_SIZE itself, which mmap_address_hint_valid refuses: the vdso then goes top-down
 * below mmap_base (w1's 0x7ffff7ff9000). No PF_RANDOMIZE test: the randomness comes from the
 * stack's. align_vdso_addr is a no-op but on AMD family 15h.
 * @kernel arch/x86/entry/vdso/vma.c vdso_addr
 */
function vdso_addr(k: Kernel, start: number, len: number): number {
  start = PAGE_ALIGN(start);
  let end = Math.ceil((start + len) / PMD_SIZE) * PMD_SIZE;
  if (end >= DEFAULT_MAP_WINDOW) end = DEFAULT_MAP_WINDOW;
  end -= len;
  if (end > start) return start + k.rng.below((end - start) / PAGE_SIZE + 1) * PAGE_SIZE;
  return start;
}

/** PAGE_ALIGN for addresses above 2^32 (no bitwise operators). */
function PAGE_ALIGN(x: number): number {
  return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * map_vdso_randomized: [vvar][vdso] placed by get_unmapped_area at vdso_addr's hint, or just below
 * mmap_base when the hint is refused, as special mappings; the vdso's first page is mapped
 * (start-up calls into it: RssFile 4 kB in w1).
 */
function map_vdso(k: Kernel, t: task_struct, mm: mm_struct): void {
  const len = VDSO_TEXT + VVAR_SIZE;
  const addr = get_unmapped_area(t, mm, null, vdso_addr(k, mm.start_stack, len), len, 0, 0, k.vm.mmap_min_addr);
  if (addr < 0) return;
  const text_start = addr + VVAR_SIZE;
  const vdsoFlags = VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | mm.def_flags | VM_DONTEXPAND | VM_SOFTDIRTY;
  const vvarFlags = VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP | mm.def_flags | VM_DONTEXPAND | VM_SOFTDIRTY;
  for (const [start, len, flags, name] of [
    [text_start, VDSO_TEXT, vdsoFlags, "[vdso]"],
    [addr, VVAR_SIZE, vvarFlags, "[vvar]"],
  ] as const) {
    const v = new vm_area_struct(mm, start, start + len, flags, 0);
    v.vm_page_prot = vm_get_page_prot(flags);
    v.specialName = name;
    vma_link(mm, v);
    vm_stat_account(mm, flags, len / PAGE_SIZE);
  }
  // The vdso text page: a kernel page with a reference of its own, mapped like vm_insert_page.
  if (k.vdso_pfn < 0) {
    const pfn = alloc_pages(k, GFP_KERNEL, 0);
    if (pfn < 0) return;
    const mapping = new address_space(new_mapping_id(k), null, empty_aops, 0);
    xa_store_folio(mapping.i_pages, 0, pfn);
    mapping.nrpages = 1;
    k.vdso_pfn = pfn;
    k.vdso_mapping = mapping;
    k.mem_map.mapping[pfn] = mapping.id;
    k.mem_map.index[pfn] = 0;
  }
  const vdso = k.vdso_pfn;
  const i = pte_alloc_map(k, mm, text_start);
  if (i < 0) return;
  k.mem_map._refcount[vdso]++;
  page_add_file_rmap(k, vdso);
  set_pte_at(k.pgtables, i, vdso, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED);
  mm.rss_stat[MM_FILEPAGES]++;
}

/**
 * __bprm_mm_init + setup_arg_pages: the stack VMA one page below the stack top (STACK_TOP, or
 * randomize_stack_top's then arch_align_stack's, page aligned), grown by stack_expand (128 KiB)
 * to 33 pages, without VM_SOFTDIRTY (setup_arg_pages' mprotect_fixup sets the flags without it).
 * @kernel fs/exec.c setup_arg_pages
 */
function setup_stack(k: Kernel, t: task_struct, mm: mm_struct): number {
  const stack_top = PAGE_ALIGN(arch_align_stack(k, t, randomize_stack_top(k, t, TASK_SIZE)));
  const shift = TASK_SIZE - stack_top;
  const v = new vm_area_struct(mm, stack_top - PAGE_SIZE, stack_top, VM_STACK_FLAGS | mm.def_flags, 0);
  v.vm_pgoff = v.vm_start / PAGE_SIZE;
  v.vm_page_prot = vm_get_page_prot(v.vm_flags);
  vma_link(mm, v);
  vm_stat_account(mm, v.vm_flags, 1);
  security_vm_enough_memory_mm(k, t, mm, 1); // insert_vm_struct charges a VM_ACCOUNT VMA
  expand_downwards(k, t, v, v.vm_start - 128 * 1024);
  mm.start_stack = 0x7fffffffedc0 - shift; // w1's /proc/PID/stat startstack
  mm.arg_start = 0x7fffffffefa2 - shift;
  mm.arg_end = 0x7fffffffefc4 - shift;
  mm.env_start = 0x7fffffffefc4 - shift;
  mm.env_end = 0x7fffffffefee - shift;
  return stack_top;
}

/**
 * load_elf_binary's randomisation rule: PF_RANDOMIZE unless the personality has
 * ADDR_NO_RANDOMIZE or kernel.randomize_va_space is 0. Runs before the layout is picked
 * (setup_new_exec → arch_pick_mmap_layout reads the flag).
 * @kernel fs/binfmt_elf.c load_elf_binary
 */
export function elf_set_pf_randomize(k: Kernel, t: task_struct): void {
  t.flags &= ~PF_RANDOMIZE;
  if (!(t.personality & ADDR_NO_RANDOMIZE) && k.randomize_va_space) t.flags |= PF_RANDOMIZE;
}

/**
 * Execs `image` in task `t` (whose mm is fresh and has a PGD). Returns 0, or a negative errno
 * when a mapping fails.
 */
export function exec_image(k: Kernel, t: task_struct, image: ExecImage): number {
  const mm = t.mm!;
  const last = image.segments[image.segments.length - 1];
  const f = open_exec(k, image.path, last.offset + (last.end - last.start));
  if (typeof f === "number") return f;
  const stack_top = setup_stack(k, t, mm);
  const out = { addr: 0, populate: 0 };
  for (const seg of image.segments) {
    const r = do_mmap(k, t, f, seg.start, seg.end - seg.start, seg.loadProt ?? seg.prot, MAP_PRIVATE | MAP_FIXED, seg.offset / PAGE_SIZE, out);
    if (r < 0) {
      fput(k, f);
      return r;
    }
  }
  // The mappings hold the file now; exec drops its own reference (bprm->file).
  fput(k, f);
  if (image.bssEnd > image.bssStart) {
    const r = vm_brk_flags(k, t, image.bssStart, image.bssEnd - image.bssStart, 0);
    if (r < 0) return r;
  }
  mm.start_brk = mm.brk = image.bssEnd;
  mm.start_code = image.start_code;
  mm.end_code = image.end_code;
  mm.start_data = image.start_data;
  mm.end_data = image.end_data;
  map_vdso(k, t, mm);
  // randomize_va_space 2: a page's gap after bss, then arch_randomize_brk (after the vdso, as
  // ARCH_SETUP_ADDITIONAL_PAGES comes first in load_elf_binary).
  if (t.flags & PF_RANDOMIZE && k.randomize_va_space > 1) {
    mm.brk = mm.start_brk = mm.brk + PAGE_SIZE;
    mm.brk = mm.start_brk = arch_randomize_brk(k, mm);
  }

  // Start-up: the loader and libc touch what they use.
  const kinds = { read: ACCESS_READ, write: ACCESS_WRITE, exec: ACCESS_EXEC } as const;
  for (const seg of image.segments) {
    for (const tch of seg.touch ?? []) access_range(k, t, seg.start + tch.page * PAGE_SIZE, tch.pages * PAGE_SIZE, kinds[tch.kind]);
  }
  // glibc's _dl_relocate_static_pie / RELRO: the relocated part becomes read-only.
  if (image.segments.some((s) => s.start <= RELRO.start && s.end >= RELRO.start + RELRO.len && s.prot & PROT_WRITE)) {
    do_mprotect_pkey(k, t, RELRO.start, RELRO.len, PROT_READ, -1);
  }
  if (image.bssTouch) access_range(k, t, image.bssStart, image.bssTouch * PAGE_SIZE, ACCESS_WRITE);
  if (image.initialBrk) {
    const res = { brk: 0, populateStart: 0, populateLen: 0 };
    sys_brk(k, t, mm.brk + image.initialBrk, res);
    if (image.brkTouch) access_range(k, t, mm.start_brk, image.brkTouch * PAGE_SIZE, ACCESS_WRITE);
  }
  if (image.stackTouch) access_range(k, t, stack_top - image.stackTouch * PAGE_SIZE, image.stackTouch * PAGE_SIZE, ACCESS_WRITE);
  return 0;
}
