import { describe, expect, it } from "vitest";
import { start_kernel } from "./start_kernel.js";
import { GiB, MiB } from "../mm/types.js";
import { ZONE_MOVABLE, ZONE_NORMAL } from "../mm/mmzone.js";
import { thp_enabled_show } from "../mm/huge_memory.js";
import { global_node_page_state, global_zone_page_state } from "../mm/vmstat.js";
import { procRead, procWrite } from "../fs/proc/root.js";
import { WMARK_MIN } from "../mm/mmzone.js";
import { NR_FILE_PAGES, NR_FREE_PAGES, NR_SHMEM, NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B } from "../mm/vmstat_items.js";

describe("start_kernel", () => {
  it("boots the default machine (512 MiB, 1 CPU) deterministically", () => {
    const a = start_kernel();
    const b = start_kernel();
    expect(a.log.dmesg()).toBe(b.log.dmesg());
    expect(a.log.dmesg()).toContain("Memory: 207548K/523768K available");
    expect(a.zones.reduce((s, z) => s + z.managed_pages, 0)).toBe(117104);
  });

  it("hands every managed page not taken at boot to the buddy allocator", () => {
    const k = start_kernel({ memory: GiB });
    const managed = k.zones.reduce((s, z) => s + z.managed_pages, 0);
    const free = global_zone_page_state(k, NR_FREE_PAGES);
    let pcp = 0;
    for (const z of k.zones) for (const p of z.per_cpu_pageset) pcp += p.count;
    // What boot takes from the buddy allocator, each from its own count: the 64 vmalloc PUD
    // pages, slab pages and large kmallocs (NR_SLAB_*), vmalloc'd pages (kernel stacks
    // included) and the PTE pages mapping them, the rootfs' page cache (populate_rootfs: the
    // initramfs's 6832 kB, 1708 shmem pages), the second per-cpu chunk's pages (the first, 62
    // pages a CPU, is memblock's), and the hash tables allocated after mem_init as their log lines
    // say ("linear": alloc_pages_exact, whole pages) plus dquot's page, ftrace's record pages
    // and the three atomic DMA pools, as their log lines say.
    const hashPages = [...k.log.dmesg().matchAll(/(Mount-cache|Mountpoint-cache|futex|IP idents|tcp_listen_portaddr_hash|Table-perturb|TCP established|TCP bind|MPTCP token|UDP|UDP-Lite) hash table entries: \d+ \(order: \d+, (\d+) bytes, linear\)/g)].reduce(
      (s, m) => s + Math.ceil(Number(m[2]) / 4096),
      0,
    );
    expect(hashPages).toBeGreaterThan(0);
    const rootfs = global_node_page_state(k, NR_FILE_PAGES);
    expect(rootfs).toBe(1708);
    expect(global_node_page_state(k, NR_SHMEM)).toBe(rootfs);
    const taken =
      64 +
      global_node_page_state(k, NR_SLAB_RECLAIMABLE_B) +
      global_node_page_state(k, NR_SLAB_UNRECLAIMABLE_B) +
      k.nr_vmalloc_pages +
      k.vmalloc.pte_pages.size +
      rootfs +
      (k.pcpu_nr_pages - 62 * k.nr_cpu_ids) +
      hashPages +
      1 +
      Number(/ftrace: allocated (\d+) pages with/.exec(k.log.dmesg())?.[1]) +
      [...k.log.dmesg().matchAll(/DMA: preallocated (\d+) KiB/g)].reduce((n, m) => n + Number(m[1]) / 4, 0);
    expect(free + pcp).toBe(managed - taken);
  });

  it("gives a 6 GiB machine a Normal zone above 4 GiB and a swiotlb bounce buffer below", () => {
    const k = start_kernel({ memory: 6 * GiB });
    const n = k.node_data[0].node_zones[ZONE_NORMAL];
    expect(n.zone_start_pfn).toBe(0x100000);
    expect(n.spanned_pages).toBe(3 * 262144);
    const log = k.log.dmesg();
    expect(log).toContain("software IO TLB: mapped [mem ");
    expect(log).toContain("Policy zone: Normal");
    const dma32 = k.node_data[0].node_zones[1];
    // the 64 MiB buffer sits below 4 GiB
    expect(dma32.present_pages - dma32.managed_pages).toBeGreaterThanOrEqual(16384);
  });

  it("honours movablecore= with a Movable zone and its start line", () => {
    const k = start_kernel({ memory: 8 * GiB, movablecore: "25%" });
    const mov = k.node_data[0].node_zones[ZONE_MOVABLE];
    expect(mov.managed_pages).toBeGreaterThan(0);
    expect(k.log.dmesg()).toMatch(/Movable zone start for each node\n\[[ \d.]+\] {3}Node 0: 0x[0-9a-f]{16}\n/);
    expect(k.node_data[0].node_zonelists[0]).toBe(mov);
  });

  it("keeps THP on a 1 GiB machine with transparent_hugepage=madvise and khugepaged's min_free_kbytes", () => {
    const k = start_kernel({ memory: GiB, thp: "madvise" });
    expect(thp_enabled_show(k)).toBe("always [madvise] never\n");
    expect(k.vm.min_free_kbytes).toBe(45056);
    expect(k.thp.khugepaged_running).toBe(true);
  });

  it("orders three nodes' fallback by the given SLIT distances", () => {
    const k = start_kernel({
      memory: 3 * 512 * MiB,
      numa: {
        nodes: [{ size: 512 * MiB }, { size: 512 * MiB }, { size: 512 * MiB }],
        distance: [
          [10, 30, 20],
          [30, 10, 20],
          [20, 20, 10],
        ],
      },
    });
    const log = k.log.dmesg();
    expect(log).toContain("Fallback order for Node 0: 0 2 1 \n");
    expect(log).toContain("Fallback order for Node 1: 1 2 0 \n");
    expect(log).toContain("Built 3 zonelists");
    // node 0 has DMA and DMA32, nodes 1 and 2 only DMA32
    expect(k.node_data[2].node_zonelists.map((z) => z.node)).toEqual([2, 0, 0, 1]);
  });

  it("rejects node sizes that do not add up and a CPU count below 1", () => {
    expect(() => start_kernel({ memory: GiB, numa: { nodes: [{ size: 256 * MiB }] } })).toThrow(RangeError);
    expect(() => start_kernel({ cpus: 0 })).toThrow(RangeError);
  });

  it("recomputes watermarks, pcp high and protection after /proc/sys/vm writes", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const dma32 = k.node_data[0].node_zones[1];
    procWrite(k, "/proc/sys/vm/min_free_kbytes", "27060");
    expect(k.user_min_free_kbytes).toBe(27060);
    // ten times the boot value: 6765 pages shared by managed size
    const total = k.zones.reduce((a, z) => a + z.managed_pages, 0);
    expect(dma32._watermark[WMARK_MIN]).toBe(Math.floor((6765 * dma32.managed_pages) / total));
    expect(dma32.per_cpu_pageset[0].high).toBeGreaterThan(816);
    procWrite(k, "/proc/sys/vm/lowmem_reserve_ratio", "128\t256\t32\t0\t0");
    expect(k.node_data[0].node_zones[0].lowmem_reserve[1]).toBe(Math.floor(dma32.managed_pages / 128));
    expect(procRead(k, "/proc/sys/vm/min_free_kbytes")).toBe("27060\n");
  });

  it("boots an explicit e820 map with a hole in the middle of RAM", () => {
    const k = start_kernel({
      memory: 768 * MiB,
      e820: [
        { addr: 0, size: 0x9fc00, type: 1 },
        { addr: 0x100000, size: 0x20000000 - 0x100000, type: 1 },
        { addr: 0x20000000, size: 0x10000000, type: 2 },
        { addr: 0x30000000, size: 0x10000000, type: 1 },
      ],
    });
    const dma32 = k.node_data[0].node_zones[1];
    expect(dma32.spanned_pages).toBe(0x40000 - 4096);
    expect(dma32.present_pages).toBe(0x40000 - 4096 - 0x10000);
    // the hole's sections have no memmap (pfn_valid is false); RAM above it is DMA32 again
    expect(k.page_zone(0x28000)).toBeUndefined();
    expect(k.page_zone(0x30000)).toBe(dma32);
    expect(k.log.dmesg()).toContain("BIOS-e820: [mem 0x0000000020000000-0x000000002fffffff] reserved");
  });
});
