/**
 * Boot's registration of the model's /proc and /sys files: one step, proc_root_init, called by
 * start_kernel, that creates in the machine's tree (k.proc) every file the kernel's initcalls
 * create in theirs. Each block names the kernel function that creates those files. The
 * renderers and handlers stay in their kernel files (mm/, kernel/, fs/proc/, drivers/); this
 * file only wires them, so mm/ never imports the registry.
 * @kernel fs/proc/root.c proc_root_init
 * @kernel fs/proc/meminfo.c proc_meminfo_init
 * @kernel mm/vmstat.c init_mm_internals, extfrag_debug_init
 * @kernel mm/swapfile.c procswaps_init
 * @kernel kernel/sched/psi.c psi_proc_init
 * @kernel kernel/sysctl.c sysctl_init_bases
 * @kernel mm/huge_memory.c hugepage_init_sysfs
 * @kernel mm/swap_state.c swap_init_sysfs
 * @kernel drivers/base/node.c node_dev_init
 * @kernel block/genhd.c genhd_device_init
 * @kernel fs/proc_namespace.c show_vfsmnt
 * @kernel kernel/cgroup/cgroup.c cgroup_init
 * @kernel mm/vmscan.c init_lru_gen
 * @kernel fs/proc/interrupts.c proc_interrupts_init
 * @kernel arch/x86/mm/tlb.c create_tlb_single_page_flush_ceiling
 */
import { proc_fdinfo_show } from "./fd.js";
import { cgroupfs_init } from "./cgroupfs.js";
import { show_interrupts } from "../../arch/x86/irq.js";
import { tlbflush_read_file, tlbflush_write_file } from "../../arch/x86/tlb.js";
import { dentry_state_show, inode_nr_show, inode_state_show } from "../dcache.js";
import { shm_sysctls, sysvipc_shm_proc_show } from "../../ipc/shm.js";
import { node_dev_init } from "../../drivers/base/node.js";
import type { Kernel } from "../../kernel/kernel.js";
import { PSI_CPU, PSI_IO, PSI_MEM, psi_show, psi_write } from "../../kernel/psi.js";
import { kern_table, vm_table } from "../../kernel/sysctl.js";
import { thp_defrag_show, thp_defrag_store, thp_enabled_show, thp_enabled_store, use_zero_page_show, use_zero_page_store } from "../../mm/huge_memory.js";
import { khugepaged_attr_show, khugepaged_attr_store, khugepaged_attrs, start_stop_khugepaged } from "../../mm/khugepaged.js";
import { default_hstate, gigantic_hstate, type hstate, hstate_attr_show, hstate_attr_store, hstate_attrs, PUD_ORDER } from "../../mm/hugetlb.js";
import { PAGE_SIZE } from "../../mm/types.js";
import { lru_gen_seq_show, lru_gen_seq_write, show_enabled, show_min_ttl, store_enabled, store_min_ttl } from "../../mm/lru_gen.js";
import { scan_control } from "../../mm/vmscan.js";
import { GFP_KERNEL } from "../../mm/gfp.js";
import { MAX_NR_ZONES } from "../../mm/mmzone.js";
import { vma_ra_enabled_show, vma_ra_enabled_store } from "../../mm/swap_state.js";
import { swaps_proc_show } from "../../mm/swapfile.js";
import { frag_show, HPAGE_PMD_NR, pagetypeinfo_show, vmstat_show, zoneinfo_show } from "../../mm/vmstat_show.js";
import { tgid_base_stuff } from "./base.js";
import { blk_lookup, part_stat_show, queue_ra_show, queue_ra_store } from "../../block/blk.js";
import { mounts_show } from "../namespace.js";
import { meminfo_proc_show } from "./meminfo.js";
import { slabinfo_show } from "../../mm/slab_common.js";
import { slab_attrs, sysfs_slab_entries, sysfs_slab_lookup } from "../../mm/slub_sysfs.js";
import { vmallocinfo_show } from "../../mm/vmalloc.js";
import { extfrag_show, unusable_show } from "../../mm/compaction.js";
import { registerPidEntry, registerProcFile, registerProcParam, registerProcPattern } from "./root.js";

/** The transparent_hugepage directory of sysfs. */
const THP_DIR = "/sys/kernel/mm/transparent_hugepage";

/**
 * Creates every file of the machine's /proc and /sys: what start_kernel's proc_root_init and
 * the initcalls after it create in the kernel. Run once per machine, at boot.
 * @kernel fs/proc/root.c proc_root_init
 * @kernel mm/slab_common.c slab_proc_init
 * @kernel mm/vmalloc.c proc_vmalloc_init
 */
export function proc_root_init(k: Kernel): void {
  // proc_meminfo_init; init_mm_internals: buddyinfo, pagetypeinfo (root only), vmstat, zoneinfo.
  registerProcFile(k, "/proc/meminfo", { fs: "proc", mode: 0o444, read: (kk) => meminfo_proc_show(kk) });
  registerProcFile(k, "/proc/buddyinfo", { fs: "proc", mode: 0o444, read: (kk) => frag_show(kk) });
  registerProcFile(k, "/proc/pagetypeinfo", { fs: "proc", mode: 0o400, read: (kk) => pagetypeinfo_show(kk) });
  registerProcFile(k, "/proc/zoneinfo", { fs: "proc", mode: 0o444, read: (kk) => zoneinfo_show(kk) });
  registerProcFile(k, "/proc/vmstat", { fs: "proc", mode: 0o444, read: (kk) => vmstat_show(kk) });
  // proc_interrupts_init: /proc/interrupts (the rows the model keeps: arch/x86/irq.ts).
  registerProcFile(k, "/proc/interrupts", { fs: "proc", mode: 0o444, read: (kk) => show_interrupts(kk) });
  // create_tlb_single_page_flush_ceiling (late_initcall): debugfs x86/, root read-write (0600).
  registerProcFile(k, "/sys/kernel/debug/x86/tlb_single_page_flush_ceiling", {
    fs: "sysfs",
    mode: 0o600,
    read: (kk) => tlbflush_read_file(kk),
    write: (kk, d) => tlbflush_write_file(kk, d),
  });
  // extfrag_debug_init (debugfs, mounted on /sys/kernel/debug as Debian's systemd does).
  registerProcFile(k, "/sys/kernel/debug/extfrag/unusable_index", { fs: "sysfs", mode: 0o444, read: (kk) => unusable_show(kk) });
  registerProcFile(k, "/sys/kernel/debug/extfrag/extfrag_index", { fs: "sysfs", mode: 0o444, read: (kk) => extfrag_show(kk) });
  // slab_proc_init (SLABINFO_RIGHTS: 0400 without a writable slabinfo); proc_vmalloc_init (0400).
  registerProcFile(k, "/proc/slabinfo", { fs: "proc", mode: 0o400, read: (kk) => slabinfo_show(kk) });
  registerProcFile(k, "/proc/vmallocinfo", { fs: "proc", mode: 0o400, read: (kk) => vmallocinfo_show(kk) });
  // procswaps_init.
  registerProcFile(k, "/proc/swaps", { fs: "proc", mode: 0o444, read: (kk) => swaps_proc_show(kk) });
  // psi_proc_init: 0666, the write arms a trigger (the model's writer is root, CAP_SYS_RESOURCE).
  registerProcFile(k, "/proc/pressure/io", { fs: "proc", mode: 0o666, read: (kk) => psi_show(kk, PSI_IO), write: (_kk, d) => psi_write(d, true) });
  registerProcFile(k, "/proc/pressure/memory", { fs: "proc", mode: 0o666, read: (kk) => psi_show(kk, PSI_MEM), write: (_kk, d) => psi_write(d, true) });
  registerProcFile(k, "/proc/pressure/cpu", { fs: "proc", mode: 0o666, read: (kk) => psi_show(kk, PSI_CPU), write: (_kk, d) => psi_write(d, true) });
  // sysctl_init_bases: the vm table.
  for (const t of vm_table) {
    registerProcFile(k, `/proc/sys/vm/${t.procname}`, { fs: "sysctl", mode: t.mode, read: (kk) => t.read(kk), write: (kk, d) => t.write(kk, d) });
  }
  // sysctl_init_bases: the kernel table's entries the memory manager owns.
  for (const t of kern_table) {
    registerProcFile(k, `/proc/sys/kernel/${t.procname}`, { fs: "sysctl", mode: t.mode, read: (kk) => t.read(kk), write: (kk, d) => t.write(kk, d) });
  }
  // cgroup_init and the cgroup2 mount at /sys/fs/cgroup.
  cgroupfs_init(k);
  // sysctl_init_bases' fs table: the dcache's and icache's counters (read-only).
  registerProcFile(k, "/proc/sys/fs/dentry-state", { fs: "sysctl", mode: 0o444, read: (kk) => dentry_state_show(kk) });
  registerProcFile(k, "/proc/sys/fs/inode-nr", { fs: "sysctl", mode: 0o444, read: (kk) => inode_nr_show(kk) });
  registerProcFile(k, "/proc/sys/fs/inode-state", { fs: "sysctl", mode: 0o444, read: (kk) => inode_state_show(kk) });
  // ipc_sysctl_init and shm_init: /proc/sys/kernel/shm* and /proc/sysvipc/shm.
  for (const t of shm_sysctls) {
    registerProcFile(k, `/proc/sys/kernel/${t.procname}`, { fs: "sysctl", mode: 0o644, read: (kk) => t.read(kk), write: (kk, d) => t.write(kk, d) });
  }
  registerProcFile(k, "/proc/sysvipc/shm", { fs: "proc", mode: 0o444, read: (kk) => sysvipc_shm_proc_show(kk) });
  // /proc/<pid>/: the directories exist for live pids (proc_pid_lookup), each with tgid_base_stuff.
  registerProcParam(k, "pid", (kk) => [...kk.tasks.byPid.keys()].map(String));
  for (const e of tgid_base_stuff) registerPidEntry(k, e.name, e.mode, e.show, e.write);
  // /proc/<pid>/fdinfo/<fd>: one file per open descriptor (proc_fdinfo_instantiate).
  registerProcParam(k, "fd", (kk) => {
    const fds = new Set<string>();
    for (const t of kk.tasks.byPid.values()) t.files.fd_array.forEach((f, fd) => f !== null && fds.add(String(fd)));
    return [...fds];
  });
  registerProcPattern(k, "/proc/<pid>/fdinfo/<fd>", { fs: "proc", mode: 0o444, read: (kk, p) => proc_fdinfo_show(kk, Number(p.pid), Number(p.fd)) });

  // hugepage_init_sysfs. A write to "enabled" changes the mode, then starts or stops khugepaged
  // to match (enabled_store → start_stop_khugepaged).
  registerProcFile(k, `${THP_DIR}/enabled`, {
    fs: "sysfs",
    mode: 0o644,
    read: (kk) => thp_enabled_show(kk),
    write: (kk, d) => {
      if (!thp_enabled_store(kk, d)) return -22;
      start_stop_khugepaged(kk);
      return 0;
    },
  });
  registerProcFile(k, `${THP_DIR}/defrag`, { fs: "sysfs", mode: 0o644, read: (kk) => thp_defrag_show(kk), write: (kk, d) => thp_defrag_store(kk, d) });
  registerProcFile(k, `${THP_DIR}/hpage_pmd_size`, { fs: "sysfs", mode: 0o444, read: () => `${HPAGE_PMD_NR * 4096}\n` });
  registerProcFile(k, `${THP_DIR}/use_zero_page`, { fs: "sysfs", mode: 0o644, read: (kk) => use_zero_page_show(kk), write: (kk, d) => use_zero_page_store(kk, d) });
  // khugepaged_attr_group: the counters read-only, the tunables root-writable.
  for (const name of khugepaged_attrs) {
    const ro = name === "pages_collapsed" || name === "full_scans";
    registerProcFile(k, `${THP_DIR}/khugepaged/${name}`, {
      fs: "sysfs",
      mode: ro ? 0o444 : 0o644,
      read: (kk) => khugepaged_attr_show(kk, name),
      ...(ro ? {} : { write: (kk: Kernel, d: string) => khugepaged_attr_store(kk, name, d) }),
    });
  }
  // hugetlb_sysfs_init: /sys/kernel/mm/hugepages/hugepages-NkB/ for each hstate (read at access
  // time: hugetlb_init, later in boot, makes the hstates): the default 2 MiB one, and with
  // gbpages the 1 GiB one (gigantic_pages_init); hugetlb_register_node's per-node
  // nr/free/surplus files.
  const hstates: [string, (kk: Kernel) => hstate][] = [[default_hstate(k).name, default_hstate]];
  if (k.hugetlb.gbpages) hstates.push([`hugepages-${(PAGE_SIZE << PUD_ORDER) / 1024}kB`, gigantic_hstate]);
  for (const [hname, get] of hstates) {
    for (const name of hstate_attrs) {
      const ro = name === "free_hugepages" || name === "resv_hugepages" || name === "surplus_hugepages";
      registerProcFile(k, `/sys/kernel/mm/hugepages/${hname}/${name}`, {
        fs: "sysfs",
        mode: ro ? 0o444 : 0o644,
        read: (kk) => hstate_attr_show(get(kk), name, -1),
        ...(ro ? {} : { write: (kk: Kernel, d: string) => hstate_attr_store(kk, get(kk), name, d, -1) }),
      });
    }
    for (let nid = 0; nid < k.node_data.length; nid++) {
      for (const name of ["nr_hugepages", "free_hugepages", "surplus_hugepages"]) {
        const ro = name !== "nr_hugepages";
        registerProcFile(k, `/sys/devices/system/node/node${nid}/hugepages/${hname}/${name}`, {
          fs: "sysfs",
          mode: ro ? 0o444 : 0o644,
          read: (kk) => hstate_attr_show(get(kk), name, nid),
          ...(ro ? {} : { write: (kk: Kernel, d: string) => hstate_attr_store(kk, get(kk), name, d, nid) }),
        });
      }
    }
  }
  // swap_init_sysfs.
  registerProcFile(k, "/sys/kernel/mm/swap/vma_ra_enabled", { fs: "sysfs", mode: 0o644, read: (kk) => vma_ra_enabled_show(kk), write: (kk, d) => vma_ra_enabled_store(kk, d) });
  // proc_self_init's mounts link: /proc/mounts (one namespace: every process sees the same).
  registerProcFile(k, "/proc/mounts", { fs: "proc", mode: 0o444, read: (kk) => mounts_show(kk) });
  // slab_sysfs_init: /sys/kernel/slab/<cache>/ for every cache, an alias reading through its link.
  registerProcParam(k, "slabcache", (kk) => sysfs_slab_entries(kk));
  for (const [attr, show] of Object.entries(slab_attrs)) {
    registerProcPattern(k, `/sys/kernel/slab/<slabcache>/${attr}`, {
      fs: "sysfs",
      mode: 0o444,
      read: (kk, p) => {
        const s = sysfs_slab_lookup(kk, p.slabcache ?? "");
        if (s === null) throw new RangeError(`no slab cache ${String(p.slabcache)}`);
        return show(kk, s);
      },
    });
  }
  // genhd_device_init: /sys/block/<disk>/ for every registered disk (virtio-blk adds them later).
  registerProcParam(k, "disk", (kk) => kk.blk.disks.filter((d) => d.registered).map((d) => d.disk_name));
  const disk = (kk: Kernel, name: string | undefined) => {
    const d = blk_lookup(kk, name ?? "");
    if (d === null) throw new RangeError(`no disk ${String(name)}`);
    return d;
  };
  registerProcPattern(k, "/sys/block/<disk>/stat", { fs: "sysfs", mode: 0o444, read: (kk, p) => part_stat_show(kk, disk(kk, p.disk)) });
  registerProcPattern(k, "/sys/block/<disk>/dev", { fs: "sysfs", mode: 0o444, read: (kk, p) => { const d = disk(kk, p.disk); return `${d.bd_major}:${d.bd_minor}\n`; } });
  registerProcPattern(k, "/sys/block/<disk>/size", { fs: "sysfs", mode: 0o444, read: (kk, p) => `${disk(kk, p.disk).nr_sectors}\n` });
  registerProcPattern(k, "/sys/block/<disk>/queue/read_ahead_kb", {
    fs: "sysfs",
    mode: 0o644,
    read: (kk, p) => queue_ra_show(disk(kk, p.disk)),
    write: (kk, d, p) => queue_ra_store(disk(kk, p.disk), d),
  });
  registerProcPattern(k, "/sys/block/<disk>/queue/max_sectors_kb", { fs: "sysfs", mode: 0o644, read: (kk, p) => `${disk(kk, p.disk).max_sectors_kb}\n` });
  registerProcPattern(k, "/sys/block/<disk>/queue/nr_requests", { fs: "sysfs", mode: 0o644, read: (kk, p) => `${disk(kk, p.disk).nr_requests}\n` });
  registerProcPattern(k, "/sys/block/<disk>/queue/rotational", { fs: "sysfs", mode: 0o644, read: (kk, p) => `${disk(kk, p.disk).rotational ? 1 : 0}\n` });
  registerProcPattern(k, "/sys/block/<disk>/queue/scheduler", { fs: "sysfs", mode: 0o644, read: () => "[mq-deadline] none\n" });
  // driver_init → node_dev_init: /sys/devices/system/node/node<N>/.
  node_dev_init(k);
  // late_initcall(init_lru_gen): the lru_gen sysfs group and the two debugfs files. debugfs
  // lets root open lru_gen_full for writing and fails the write (no write op): EINVAL.
  registerProcFile(k, "/sys/kernel/mm/lru_gen/enabled", { fs: "sysfs", mode: 0o644, read: (kk) => show_enabled(kk), write: (kk, d) => store_enabled(kk, d) });
  registerProcFile(k, "/sys/kernel/mm/lru_gen/min_ttl_ms", { fs: "sysfs", mode: 0o644, read: (kk) => show_min_ttl(kk), write: (kk, d) => store_min_ttl(kk, d) });
  registerProcFile(k, "/sys/kernel/debug/lru_gen", {
    fs: "sysfs",
    mode: 0o644,
    read: (kk) => lru_gen_seq_show(kk, false),
    write: (kk, d) => {
      // lru_gen_seq_write's scan_control
      const sc = new scan_control();
      sc.may_writepage = sc.may_unmap = sc.may_swap = true;
      sc.reclaim_idx = MAX_NR_ZONES - 1;
      sc.gfp_mask = GFP_KERNEL;
      return lru_gen_seq_write(kk, d, sc);
    },
  });
  registerProcFile(k, "/sys/kernel/debug/lru_gen_full", { fs: "proc", mode: 0o444, read: (kk) => lru_gen_seq_show(kk, true), write: () => -22 });
}
