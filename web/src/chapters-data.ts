/**
 * The chapters: one per chapter of the book the project follows. Each says, in the project's own
 * words, what the kernel does, which functions do it (linked to the 6.1 source), a live demo (a
 * shipped scenario opened in a view, what to look at, and sometimes a sysctl slider that re-runs
 * it), and a plain status of what the model covers and what it lacks.
 *
 * Updating a status: change `status`, `covers` and `missing` below (and docs/fidelity.md says the
 * same at more length). `fns` lists feed scripts/kernel-symbols.mjs: rerun it after adding names.
 */
import type { ColourMode, ViewId } from "./url.js";

export type Status = "modelled" | "partial" | "missing";

/** A slider that writes a sysctl at boot (vm.swappiness), or a file of the scenario's own cgroups (memory.max), and re-runs the demo. */
export type DemoControl =
  | { sysctl: string; label: string; min: number; max: number; step: number; value: number }
  /** `cgroup`: "GROUP/FILE" ("/rk/memory.max"); the value is in MiB, written as "<n>M". */
  | { cgroup: string; label: string; min: number; max: number; step: number; value: number; unit: "M" };

export interface Demo {
  scenario: string;
  view: ViewId;
  colour?: ColourMode;
  /** What to look at, in one or two sentences. */
  look: string;
  control?: DemoControl;
}

export interface Chapter {
  id: string;
  title: string;
  status: Status;
  text: string;
  fns: string[];
  demos: Demo[];
  covers: string;
  missing: string;
}

export const CHAPTERS: Chapter[] = [
  {
    id: "physical",
    title: "Describing physical memory",
    status: "modelled",
    text: "Memory is split into nodes (one per NUMA node), each into zones by what hardware can reach: DMA below 16 MiB, DMA32 below 4 GiB, Normal above. Every 4 KiB frame has a struct page; frames are grouped into 2 MiB pageblocks that carry a migratetype, so movable and unmovable allocations stay apart.",
    fns: ["free_area_init", "zone_sizes_init", "memmap_init_range", "set_pageblock_migratetype"],
    demos: [
      { scenario: "tour", view: "physical", colour: "zone", look: "Colour by zone: the thin DMA band, DMA32 up to 4 GiB (all of a 512 MiB machine), the reserved kernel image. Switch to migratetype to see pageblocks." },
      { scenario: "tour", view: "zones", look: "The watermarks min/low/high follow from vm.min_free_kbytes: move the slider and watch them rise.", control: { sysctl: "vm.min_free_kbytes", label: "vm.min_free_kbytes", min: 1024, max: 65536, step: 1024, value: 2880 } },
    ],
    covers: "Nodes and zones sized as 6.1 sizes them from the e820 map, present/managed pages, pageblock migratetypes, watermarks and lowmem_reserve; exact against five real boots.",
    missing: "Memory hotplug, ZONE_DEVICE, sparsemem sections as such.",
  },
  {
    id: "boot",
    title: "Boot memory allocator",
    status: "modelled",
    text: "Before the buddy allocator exists, memblock hands out memory from the firmware's map; at the end of boot every free range is released into the buddy lists as large blocks, and what stayed reserved (the kernel image, the initrd, page tables, crash kernel) is marked PG_reserved.",
    fns: ["memblock_reserve", "memblock_alloc_range_nid", "memblock_free_all", "setup_arch"],
    demos: [{ scenario: "tour", view: "physical", colour: "type", look: "Step to the start (Home): grey reserved frames at the bottom, and nearly everything else in order-10 free blocks." }],
    covers: "The e820 map, memblock with Debian 6.1's reservations, the boot log's memory lines, deferred release of free blocks.",
    missing: "Early page tables as real frames, KASLR's random placement.",
  },
  {
    id: "allocator",
    title: "Physical page allocation (the buddy allocator)",
    status: "modelled",
    text: "Free memory sits in lists per order (1, 2, 4 … 1024 pages) and migratetype. An allocation takes the smallest block that fits and splits the rest down; a free merges a block with its buddy while the buddy is free. Per-CPU lists keep a few order-0 pages at hand; when a migratetype runs dry, the allocator falls back to another and may claim its pageblock.",
    fns: ["__alloc_pages", "get_page_from_freelist", "__rmqueue_smallest", "expand", "__free_one_page", "__rmqueue_fallback", "rmqueue_bulk", "free_pcppages_bulk", "compact_zone", "kcompactd", "migrate_pages"],
    demos: [
      { scenario: "buddy-split-merge", view: "zones", look: "The free_area grid: orders shift down as blocks split, and back up as buddies merge when the memory is freed." },
      { scenario: "buddy-split-merge", view: "physical", colour: "type", look: "Zoom in (wheel) until free blocks are outlined: each outline is one buddy block." },
      { scenario: "fragmentation", view: "physical", colour: "type", look: "Half of the memory free in single pages (dark specks), then compact_memory moves the used pages together and large free blocks come back: step across the compaction." },
    ],
    covers: "Orders, migratetypes, pcp lists, fallback and stealing, highatomic reserves, watermark checks, the 6.1 slow path, kmem tracepoints; compaction and migration (compact_zone's two scanners, deferral, direct compaction in the slow path, compact_memory, kcompactd and proactive compaction, /sys/kernel/debug/extfrag).",
    missing: "CMA, page isolation and alloc_contig_range, __alloc_pages_bulk, page reporting, compaction capture.",
  },
  {
    id: "virtual",
    title: "Page table management and page faults",
    status: "modelled",
    text: "A process's addresses are translated through four levels of tables (PGD, PUD, PMD, PTE). An entry that is empty makes the first touch fault: the kernel allocates a zeroed page (or maps the shared zero page for a read) and fills the entry. After fork both processes map the same pages read-only; the first write copies.",
    fns: ["handle_mm_fault", "do_anonymous_page", "do_wp_page", "copy_page_range", "__pte_alloc"],
    demos: [
      { scenario: "demand-paging", view: "address", look: "Pick the process, click a VMA and follow the walk: untouched addresses stop at an empty PTE; touched ones land on a page." },
      { scenario: "fork-cow", view: "physical", colour: "owner", look: "Pause and colour by process: shared copy-on-write pages are white; the child's written pages become its own." },
    ],
    covers: "4-level tables from the buddy allocator, faults (anonymous, shmem and file), the zero page, CoW with 6.1's reuse rules, rmap, accounting in VmPTE and NR_PAGETABLE; huge PMD entries for THP and hugetlb (the huge-pages chapter).",
    missing: "5-level paging, pkeys (the TLB has its own chapter).",
  },
  {
    id: "address-space",
    title: "Process address space",
    status: "modelled",
    text: "An address space is a sorted set of VMAs, each a range with one set of permissions and one backing. Adjacent compatible VMAs merge; mprotect or munmap of a middle part splits one into three.",
    fns: ["do_mmap", "vma_merge", "__split_vma", "do_mprotect_pkey", "do_munmap", "do_brk_flags"],
    demos: [{ scenario: "mmap-merge", view: "address", look: "The VMA bar and table change as mappings merge and split: step through (→) and watch." }],
    covers: "mmap/munmap/mprotect/mremap/brk/madvise/mlock with 6.1's merge rules and errnos, file mappings (tmpfs and ext2), /proc/PID/maps, smaps and pagemap.",
    missing: "pkeys on a CPU with PKU (the model's CPU has none: the security chapter), mempolicy; the maple tree's own node layout (a B+tree with the same lookup rules stands in).",
  },
  {
    id: "mmap",
    title: "Memory mapping and overcommit",
    status: "modelled",
    text: "mmap only reserves address space; memory arrives page by page when touched. Whether the kernel agrees to reserve it depends on vm.overcommit_memory: heuristic (0), always (1) or strict accounting against CommitLimit (2).",
    fns: ["__vm_enough_memory", "do_mmap", "mmap_region"],
    demos: [
      { scenario: "overcommit", view: "events", look: "Each mode's accepted and refused mappings, with the function that decided (__vm_enough_memory)." },
      { scenario: "demand-paging", view: "reclaim", look: "RSS grows only as pages are touched." },
    ],
    covers: "Anonymous, shared anonymous and file mappings (fault-around, mmap readahead, shared write faults, msync), memfd, overcommit modes 0/1/2 with CommitLimit and Committed_AS (every outcome of the real w9 run).",
    missing: "MAP_SYNC/DAX, mempolicy on mappings.",
  },
  {
    id: "reclaim",
    title: "Page frame reclamation",
    status: "modelled",
    text: "Pages in use sit on LRU lists (active and inactive, anonymous and file). When a zone falls below its low watermark kswapd wakes and reclaims until every zone is back above high; an allocation that finds nothing above min reclaims directly. get_scan_count balances anon against file by swappiness and cost.",
    fns: ["kswapd", "balance_pgdat", "shrink_node", "shrink_lruvec", "get_scan_count", "shrink_folio_list", "try_to_free_pages", "shrink_slab", "lru_gen_shrink_lruvec", "try_to_inc_max_seq", "evict_folios"],
    demos: [
      { scenario: "kswapd-watermarks", view: "zones", look: "Free pages fall to low, kswapd wakes (blue tick) and pushes them back above high.", control: { sysctl: "vm.watermark_scale_factor", label: "vm.watermark_scale_factor", min: 10, max: 1000, step: 10, value: 10 } },
      { scenario: "kswapd-watermarks", view: "reclaim", look: "LRU lists shrinking, kswapd running, scan and steal rates." },
      { scenario: "mglru-vs-classic", view: "reclaim", look: "The same workload on the two-list LRU, then with lru_gen enabled: compare the scan and refault rates of the two halves." },
      { scenario: "dcache-pressure", view: "events", look: "10000 files fill SReclaimable; the anonymous hog's pressure makes shrink_slab's superblock shrinker give most dentries and inodes back." },
    ],
    covers: "LRU lists with per-CPU batches, kswapd and direct reclaim, get_scan_count, shrink_folio_list's decisions, throttling, PSI; reclaim of file pages with writeback of dirty ones by the flushers; the shrinker API (dentries, inodes, THP's shrinkers); the multi-gen LRU (off in Debian's 6.1, switchable through lru_gen/enabled, with min_ttl_ms); per-memcg lruvecs (the cgroups chapter).",
    missing: "node_reclaim, memcg-aware slab shrinking.",
  },
  {
    id: "swap",
    title: "Swap management",
    status: "modelled",
    text: "An anonymous page that reclaim evicts is written to a swap slot; its PTE becomes a swap entry, and the next touch reads it back (a major fault), with readahead of neighbours. The swap cache keeps the page findable while I/O is in flight.",
    fns: ["add_to_swap", "get_swap_pages", "swap_writepage", "do_swap_page", "swapin_readahead", "swap_duplicate"],
    demos: [{ scenario: "w5-swap", view: "reclaim", look: "Swap used climbs as the first pass writes 384 MiB into 256 MiB; the second pass reads it back (pswpin).", control: { sysctl: "vm.swappiness", label: "vm.swappiness", min: 0, max: 200, step: 10, value: 60 } }],
    covers: "Swap areas, slot allocation (rotational and the SSD cluster allocator), the swap cache, swap-out and swap-in with cluster and VMA readahead over a block-device model with latency and bandwidth, tmpfs and SysV shm pages to swap (shmem_writepage), swapoff, memory.swap.max.",
    missing: "zswap/frontswap, zram-style synchronous devices, discard, THP swap-out whole (a THP is split first).",
  },
  {
    id: "workingset",
    title: "Refaults and the working set",
    status: "modelled",
    text: "When a page is evicted, a shadow entry remembers when. If it comes back soon enough (its refault distance is shorter than the active list), it is activated at once: the kernel has learned it is part of the working set.",
    fns: ["workingset_eviction", "workingset_refault", "lru_gen_refault"],
    demos: [{ scenario: "refault", view: "reclaim", look: "The refault rate, and activations following it." }],
    covers: "Shadow entries in the swap cache and in files' page cache, refault distance, activation and restore, MGLRU's own refault tiers.",
    missing: "Per-memcg nonresident clocks (one per node: a refault in a group is measured against the node's evictions).",
  },
  {
    id: "oom",
    title: "Out of memory management",
    status: "modelled",
    text: "When reclaim cannot free enough, the OOM killer scores every task (resident pages, page tables and swap, shifted by oom_score_adj), kills the worst, lets it use the reserves to exit, and reaps its memory if it does not.",
    fns: ["out_of_memory", "select_bad_process", "oom_badness", "oom_kill_process", "oom_reap_task_mm"],
    demos: [
      { scenario: "oom-badness", view: "oom", look: "The report the model printed, beside the decoder's table of every task's badness and the victim." },
      { scenario: "kernel-leak-oom", view: "oom", look: "Unreclaimable slab fills memory: the OOM killer kills user tasks that are not the cause, and the report lists the leaking cache." },
      { scenario: "memcg-oom", view: "oom", look: "A memory-cgroup OOM: constraint=CONSTRAINT_MEMCG, only the group's tasks are candidates, though the machine has memory free." },
    ],
    covers: "oom_badness, victim selection, the report as 6.1 prints it (with unreclaimable slab's table when it dominates), the oom_reaper, panic_on_oom; memory-cgroup OOMs and memory.oom.group; the decoder reads real reports of kernels 3.10–6.x.",
    missing: "cpuset and mempolicy constraints, pagefault_out_of_memory, process_mrelease.",
  },
  {
    id: "numa",
    title: "NUMA",
    status: "partial",
    text: "On a NUMA machine every node has its own zones, LRU lists and kswapd; an allocation tries its own node first, then the others by distance (the zonelist).",
    fns: ["build_zonelists", "numa_node_id", "zone_statistics"],
    demos: [{ scenario: "tour", view: "zones", look: "One node here; mmsim boot --numa 2 in the CLI boots two, and a scenario's machine.nodes does too." }],
    covers: "Nodes, distances, zonelists, per-node counters, kswapd and kcompactd, numa_hit/miss, the per-node sysfs files.",
    missing: "Mempolicies (mbind, set_mempolicy), NUMA balancing, a shipped NUMA scenario.",
  },
  {
    id: "slab",
    title: "The slab allocator",
    status: "modelled",
    text: "Small kernel objects come from slab caches, carved out of pages the buddy allocator gives; reclaimable caches (dentries, inodes) are shrunk under pressure.",
    fns: ["kmem_cache_alloc", "kmem_cache_free", "allocate_slab", "__kmalloc", "shrink_slab", "super_cache_scan"],
    demos: [
      { scenario: "dcache-pressure", view: "physical", colour: "type", look: "Slab pages (dentries and inodes) appear as the files are made, then shrink back when the hog's pressure reaches the superblock shrinker." },
      { scenario: "kernel-leak-oom", view: "reclaim", look: "A leaking kmalloc cache grows until the OOM killer runs; the LRU lists shrink around it." },
    ],
    covers: "SLUB with 6.1's geometry for every cache, per-CPU fast path, partial lists, merging, kmalloc size classes, vmalloc and per-CPU chunks, the boot footprint (within 2% of real boots), /proc/slabinfo and /proc/vmallocinfo, the shrinker API with dentries, inodes and files as slab objects; kmalloc/kfree scenario steps.",
    missing: "slub_debug, writable /sys/kernel/slab, memcg charging of slab objects, negative dentries.",
  },
  {
    id: "page-cache",
    title: "The page cache",
    status: "modelled",
    text: "File data is cached in pages indexed by (file, offset); reads fill it, writes dirty it, writeback cleans it, and reclaim drops clean pages first.",
    fns: ["filemap_read", "filemap_fault", "page_cache_ra_unbounded", "folio_mark_dirty", "balance_dirty_pages", "wb_writeback"],
    demos: [
      { scenario: "page-cache-read", view: "physical", colour: "type", look: "A cold read fills page cache (green) through readahead; the warm read finds it; drop_caches empties it." },
      { scenario: "file-vs-anon", view: "reclaim", look: "Which list reclaim takes from when there is page cache to drop, at swappiness 0, 60 and 200.", control: { sysctl: "vm.swappiness", label: "vm.swappiness", min: 0, max: 200, step: 10, value: 60 } },
    ],
    covers: "A small VFS (tmpfs and an ext2 on a simulated disk), read(2) with 6.1's on-demand readahead, buffered writes, dirty limits and balance_dirty_pages, the flushers, fsync/sync/msync, file mappings, O_DIRECT, fadvise, mincore, truncate, drop_caches, workingset shadows of file pages.",
    missing: "Large folios, cgroup writeback, an I/O scheduler (one request per bio).",
  },
  {
    id: "shmem",
    title: "Shared memory (shmem/tmpfs)",
    status: "modelled",
    text: "Shared anonymous memory and tmpfs live in shmem: swap-backed pages with a file identity, so they can be shared between processes and swapped out.",
    fns: ["shmem_fault", "shmem_get_folio_gfp", "shmem_writepage", "shmem_swapin_folio", "newseg", "do_shmat", "memfd_create"],
    demos: [
      { scenario: "sysv-shm", view: "physical", colour: "type", look: "A System V segment's pages are shmem (purple): they go to swap under pressure and stay after the last detach until IPC_RMID." },
      { scenario: "tmpfs-full", view: "events", look: "tmpfs pages count in Shmem and Cached until the file is removed; size= and nr_inodes= give ENOSPC." },
    ],
    covers: "MAP_SHARED|MAP_ANONYMOUS mappings, tmpfs mounts with size= and nr_inodes=, shmem pages to swap and back (shmem_writepage, swapoff), System V shared memory with /proc/sysvipc/shm, memfd with seals.",
    missing: "Huge pages in tmpfs, SHM_HUGETLB, SHM_LOCK, IPC_SET/IPC_INFO (refused with EINVAL), IPC namespaces.",
  },
  {
    id: "cgroups",
    title: "Memory cgroups",
    status: "modelled",
    text: "A memory cgroup charges every page its tasks fault in (and the page tables they need) to the group. Charging past memory.max makes the charging task reclaim within the group, MAX_RECLAIM_RETRIES times, and then the memcg OOM killer chooses among the group's tasks only, however much memory the machine has free. Past memory.high nothing fails: the task pays on its way back to user space, reclaiming and then sleeping a penalty that grows with the square of the overage. memory.min and memory.low protect a group from reclaim that others cause.",
    fns: ["mem_cgroup_charge", "try_charge_memcg", "try_to_free_mem_cgroup_pages", "mem_cgroup_out_of_memory", "mem_cgroup_handle_over_high", "calculate_high_delay", "shrink_node_memcgs", "mem_cgroup_calculate_protection", "memory_max_write"],
    demos: [
      { scenario: "memcg-oom", view: "reclaim", look: "The group /rk's memory.current climbs to memory.max (dashed) and its memory.events max count grows with each failed charge until oom_kill ticks: the toucher is killed with 400 MiB of the machine free. Move memory.max past what the toucher needs (its 64 MiB plus page tables) and nothing is killed. Colour the physical view by memcg to see whose pages they are.", control: { cgroup: "/rk/memory.max", label: "memory.max of /rk", min: 16, max: 128, step: 8, value: 32, unit: "M" } },
      { scenario: "memcg-oom", view: "physical", colour: "memcg", look: "Pause while the holder runs: its pages are /rk's; hover one to read its memcg." },
      { scenario: "memory-high-throttle", view: "reclaim", look: "Past memory.high (32 MiB) the writer slows: each MiB takes longer (memory.events high climbing), up to 8 s of simulated time a MiB, and nothing is killed.", control: { cgroup: "/hn/memory.high", label: "memory.high of /hn", min: 16, max: 64, step: 8, value: 32, unit: "M" } },
    ],
    covers: "cgroup v2 at /sys/fs/cgroup (mkdir/rmdir, cgroup.procs, subtree_control, zombies), charging at 6.1's points (anonymous, CoW, swap-in, page cache, shmem, THP, page tables as kmem, swap slots), try_charge_memcg with the per-CPU stock, memory.max/high/min/low/swap.max/oom.group/reclaim/peak, memory.stat's 50 keys with rstat's lag, memory.numa_stat, memory.pressure (a PSI group per cgroup), slab objects charged by the byte through obj_cgroup, per-memcg lruvecs with protection in shrink_node_memcgs (with the multi-gen LRU on, generations per memcg), the memcg OOM report as 6.1 prints it and memory.oom.group; checked against real runs (w4, mc-high, mc-low, mc-file-max, mc-swap-max).",
    missing: "Kernel stacks charged to a group, memcg-aware shrinkers, zswap files, high_work for kthreads, cgroup writeback; other controllers.",
  },
  {
    id: "huge-pages",
    title: "Huge pages (THP and hugetlbfs)",
    status: "modelled",
    text: "Transparent huge pages map 2 MiB at once with one PMD entry; khugepaged collapses small pages into them; hugetlbfs reserves pools of them.",
    fns: ["do_huge_pmd_anonymous_page", "khugepaged", "collapse_huge_page", "__split_huge_pmd", "alloc_huge_page"],
    demos: [
      { scenario: "thp-fault", view: "physical", colour: "type", look: "Under THP always, 63 huge pages fault in whole (2 MiB blocks of anonymous pages) and the unaligned rest 4 KiB at a time." },
      { scenario: "khugepaged-collapse", view: "events", look: "khugepaged wakes every 10 s and collapses 8 huge pages a wakeup; MADV_COLLAPSE does a region at once." },
      { scenario: "hugetlb-pool", view: "events", look: "MAP_HUGETLB fails without a pool, reserves at mmap, takes pages at fault, and surplus pages come from nr_overcommit_hugepages." },
    ],
    covers: "Compound pages, THP faults with the five defrag modes, the huge zero page, splits and the deferred split queue, khugepaged and MADV_COLLAPSE, THP shrinkers, hugetlb pools with reservations, surplus pages and CoW.",
    missing: "THP in the page cache and tmpfs, THP swap-out whole, mapping 1 GiB pages (1 GiB pools grow at run time through alloc_contig_pages).",
  },
  {
    id: "proc",
    title: "/proc and /sys",
    status: "modelled",
    text: "What a user sees is rendered from live state: meminfo, buddyinfo, pagetypeinfo, zoneinfo, vmstat, each process's maps, smaps and status, and the tunables under /proc/sys/vm.",
    fns: ["meminfo_proc_show", "zoneinfo_show", "pagetypeinfo_show", "show_smap", "proc_pid_status"],
    demos: [{ scenario: "tour", view: "address", look: "The VMA table is /proc/PID/smaps; the zones view's grid is /proc/pagetypeinfo." }],
    covers: "Every memory file listed in the README, exact formats, sysctl writes with the kernel's answers, /proc/slabinfo, /proc/vmallocinfo, /proc/sysvipc/shm, the cgroup v2 files under /sys/fs/cgroup, the lru_gen and extfrag debugfs files.",
    missing: "/proc/kpageflags, writable /sys/kernel/slab attributes.",
  },
  {
    id: "monitoring",
    title: "Monitoring memory pressure",
    status: "modelled",
    text: "Pressure stall information measures how much time tasks lose waiting for memory (some) or all of them at once (full); with vmstat's counters it tells whether a machine is short of memory.",
    fns: ["psi_memstall_enter", "psi_group_change", "psi_show"],
    demos: [{ scenario: "thrash", view: "reclaim", look: "PSI memory some/full near 100% while every other access is a major fault." }],
    covers: "PSI for memory, I/O and CPU, /proc/vmstat's counters.",
    missing: "PSI triggers (poll); cgroup.pressure and irq.pressure.",
  },
  {
    id: "security",
    title: "Memory and security",
    status: "partial",
    text: "Page-table isolation keeps a second, user-only copy of the top-level table; ASLR randomises where the stack, the mmap area, the vdso and the heap land at each exec (kernel.randomize_va_space); mmap_min_addr keeps unprivileged programs off the lowest pages; protection keys tag memory with access rights the CPU checks; rlimits cap what a process may lock or map.",
    fns: ["pgd_alloc", "arch_pick_mmap_layout", "randomize_stack_top", "arch_randomize_brk", "vdso_addr", "cap_mmap_addr", "mm_pkey_alloc"],
    demos: [
      { scenario: "aslr", view: "address", look: "Pick process a, then b: with randomize_va_space 2 their stack, vdso, heap and 1 MiB mapping sit at different addresses drawn from the seed; process fixed, started after the sysctl went to 0, has the fixed layout (stack at 7ffffffde000). Change the seed and every randomised address moves." },
      { scenario: "aslr", view: "events", look: "Process user (uid 1000) gets EPERM for a MAP_FIXED mapping at 4 KiB, below vm.mmap_min_addr, which root's identical mmap is allowed." },
    ],
    covers: "ASLR as 6.1 does it from the machine's seed (mmap_base over vm.mmap_rnd_bits, stack top, vdso, brk; randomize_va_space 0/1/2, 0 by default as the norandmaps guest; ADDR_NO_RANDOMIZE); mmap_min_addr's EPERM and hint rounding; pkeys as 6.1 answers on a CPU without PKU; the PTI half of each PGD (an order-1 block); RLIMIT_MEMLOCK; memfd seals.",
    missing: "Protection keys on a CPU with PKU (keys in VMAs, PKRU), KASLR, SMAP/SMEP, PIE load bias.",
  },
  {
    id: "tlb",
    title: "The TLB",
    status: "partial",
    text: "The MMU caches translations; the kernel must flush them when it changes an entry another CPU may hold. Each mm remembers which CPUs have it loaded (mm_cpumask); a change flushes locally, and by IPI on the other CPUs of the mask, skipping those running a kernel thread lazily over it unless page tables were freed. A range of more than 33 pages is flushed whole; munmap and exit gather their flushes (mmu_gather), and reclaim batches its unmaps into one shootdown per batch.",
    fns: ["flush_tlb_mm_range", "flush_tlb_func", "switch_mm_irqs_off", "tlb_finish_mmu", "try_to_unmap_flush"],
    demos: [
      {
        scenario: "tlb-shootdown",
        view: "events",
        look: "The events show each munmap, the fork and kswapd waking for hog; the run's expectations (all holding) count the TLB flushes behind them: 1 page, 64 pages past the 33-page ceiling flushed whole, 64 flushed one by one once debugfs raises the ceiling to 128, cowchild's 1024 one-page copy-on-write flushes, and kswapd's shootdowns of holder's CPU, about one IPI per ten pages reclaimed (try_to_unmap_flush's batches). `mmsim run tlb-shootdown --trace tlb_flush --cat /proc/interrupts` prints every flush with its CPU, and the TLB row.",
      },
    ],
    covers: "mm_cpumask, cpu_tlbstate (loaded mm, lazy TLB, tlb_gen), switch_mm_irqs_off, flush_tlb_mm_range's 33-page ceiling, local and remote flush_tlb_func, the mmu_gather of munmap/exit/MADV_DONTNEED/mprotect, reclaim's batched flush, the flushes of CoW, mremap, migration, THP split and collapse, fork; processes placed on CPUs; /proc/interrupts' TLB and CAL rows, tlb:tlb_flush, debugfs tlb_single_page_flush_ceiling.",
    missing: "TLB contents (a flush is bookkeeping: the model's MMU always reads the page tables), PCID/ASIDs, threads sharing an mm on several CPUs, CPUs running at the same instant, MADV_FREE's and NUMA balancing's flushes, paravirt flushes.",
  },
  {
    id: "device",
    title: "Device memory",
    status: "partial",
    text: "ZONE_DEVICE pages describe memory that is not RAM — persistent memory, GPU memory — so it can be addressed and mapped like RAM: memremap_pages gives the range struct pages (reserved, in zone Device, pointing at their dev_pagemap) without handing it to the page allocator. A device-dax file maps those pages straight into a process: the fault inserts the device's pfn, with no page cache, no LRU and no rss.",
    fns: ["parse_memmap_one", "memremap_pages", "memmap_init_zone_device", "dax_mmap", "vmf_insert_mixed", "vm_normal_page"],
    demos: [
      { scenario: "device-memory", view: "physical", colour: "type", look: "Past the end of RAM, at 1 GiB, the 512 MiB of persistent memory booted with memmap=512M!1G: device pages (ZONE_DEVICE), never free, never on a list; click one to see its pgmap. Colour by zone: the Device zone spans it." },
      { scenario: "device-memory", view: "events", look: "64 MiB of /dev/dax0.0 written: 16384 page faults, yet smaps Rss, the LRU and Cached do not move, and munmap frees nothing; a private mapping is refused with EINVAL." },
    ],
    covers: "memmap=nn!ss legacy pmem (e820 type 12 with the kernel's change-point sanitising: over RAM it takes the RAM), ZONE_DEVICE struct pages from memremap_pages (the span in /proc/zoneinfo, 64 bytes of RAM per page out of MemFree, MemTotal unchanged), device-dax mappings (shared only, devmap PTEs, no rss/LRU/page cache/memcg, munmap and fork as 6.1).",
    missing: "fs-DAX (ext4/xfs -o dax), raw /dev/pmemN, PMD/PUD device-dax faults (2 MiB alignment), daxctl system-ram (dev_dax_kmem hotplug into ZONE_MOVABLE), DEVICE_PRIVATE/HMM, /proc/iomem.",
  },
  {
    id: "userfaultfd",
    title: "userfaultfd",
    status: "partial",
    text: "userfaultfd lets a user process handle its own page faults. It registers a range (UFFDIO_REGISTER); a fault there that the kernel would resolve itself — a missing page, a write to a write-protected one — goes to handle_userfault instead, which queues a message on the file and puts the faulting thread to sleep. A handler thread reads the message, fetches the page from wherever it lives (another machine, in post-copy migration) and fills it with UFFDIO_COPY, which wakes the faulting thread; its fault is retried, finds the page, and counts as a major fault.",
    fns: ["handle_userfault", "userfaultfd_register", "__mcopy_atomic", "mfill_atomic_install_pte", "mwriteprotect_range", "userfaultfd_release", "dup_userfaultfd"],
    demos: [
      { scenario: "userfaultfd", view: "events", look: "Each first touch of the guest's memory stops: the handler thread answers it 50 µs later with UFFDIO_COPY (uffd_handled), and the guest goes on. After MADV_DONTNEED the zapped pages fault to the handler again; then a write-protect pass sends each write there." },
      { scenario: "userfaultfd", view: "address", look: "The registered mapping (VmFlags um uw) filling page by page as the handler copies pages in, emptying by half at MADV_DONTNEED, and filling again." },
    ],
    covers: "userfaultfd(2) with 6.1's privilege rule (vm.unprivileged_userfaultfd), UFFDIO_API, REGISTER/UNREGISTER (VMA split and merge, every errno), COPY, ZEROPAGE, CONTINUE (shmem), WAKE, WRITEPROTECT (anonymous); delivery from the anonymous, THP, write-protect and shmem fault paths, the retry counted as a major fault; read(2), close, fork (the child's VMAs disarmed), /proc/PID/fdinfo and smaps um/uw/ui; a handler thread in scenarios.",
    missing: "Non-cooperative events (fork, remap, remove, unmap messages), poll(2) and /dev/userfaultfd, hugetlb fills, uffd-wp PTE markers (write protection of file memory, and across swap-out); one thread per process, so the handler shares the faulting task.",
  },
];
