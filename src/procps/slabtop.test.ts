import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatSlabtop } from "./index.js";
import { fixedN } from "./common.js";

const repoRoot = resolve(import.meta.dirname, "../..");
/** slabtop-o.txt without its "$ command" line: 5 summary lines, a blank, the header, 13 rows. */
const sample = readFileSync(resolve(repoRoot, "test/reference/tool-formats/slabtop-o.txt"), "utf8").split("\n").slice(1);

const HEAD = "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n";
/** One /proc/slabinfo row as cache_show prints it (SLUB: active_slabs = num_slabs). */
function row(name: string, active: number, num: number, size: number, perSlab: number, pages: number, slabs: number): string {
  return `${name.padEnd(17)} ${String(active).padStart(6)} ${String(num).padStart(6)} ${String(size).padStart(4)} ${String(perSlab).padStart(4)} ${String(pages).padStart(4)} : tunables    0    0    0 : slabdata ${String(slabs).padStart(6)} ${String(slabs).padStart(6)}      0\n`;
}

describe("slabtop -o (procps 4)", () => {
  it("prints the sample's header and rows byte for byte from slabinfo rows that give them", () => {
    // The sample's 13 rows, back as /proc/slabinfo rows (in an order slabtop must re-sort).
    // Object sizes are the ones that print as the sample's column: buffer_head 104 (0.10K),
    // kernfs_node_cache 136 (0.13K: 136 * 30 = 4080 fits a page), kmalloc-128 128 (0.125K,
    // printed "0.12K": glibc rounds the exact tie to even). pagesperslab = CACHE SIZE / SLABS / 4K:
    // ext4_inode_cache 84128K / 5258 = 16K (4 pages), radix_tree_node and kmalloc-512 2 pages.
    // USE truncates: kmalloc-512 12319 / 14720 = 83.69% → 83%.
    const text =
      HEAD +
      row("kmalloc-192", 5838, 5838, 192, 21, 1, 278) +
      row("vmap_area", 5685, 6160, 72, 56, 1, 110) +
      row("kmalloc-128", 8224, 8224, 128, 32, 1, 257) +
      row("ftrace_event_field", 8422, 13286, 56, 73, 1, 182) +
      row("kmalloc-rcl-96", 14532, 14532, 96, 42, 1, 346) +
      row("kmalloc-512", 12319, 14720, 512, 16, 2, 920) +
      row("kernfs_node_cache", 17102, 17460, 136, 30, 1, 582) +
      row("radix_tree_node", 38881, 38920, 584, 14, 2, 2780) +
      row("ext4_inode_cache", 73587, 73612, 1128, 14, 4, 5258) +
      row("lsm_inode_cache", 76255, 76416, 32, 128, 1, 597) +
      row("dentry", 105903, 105903, 192, 21, 1, 5043) +
      row("extent_status", 115258, 115362, 40, 102, 1, 1131) +
      row("buffer_head", 429958, 445653, 104, 39, 1, 11427);
    const out = formatSlabtop(text).split("\n");
    expect(sample[19]).toMatch(/ kmalloc-192 +$/); // the sample's last row
    expect(out.slice(5, 20)).toEqual(sample.slice(5, 20));
    expect(out[6]).toHaveLength(78); // "%-78s"
  });

  it("computes the summary as parse_slabinfo20 does, from a small slabinfo worked by hand", () => {
    // zeta: 30/40 objects of 64 B, 1 slab of 1 page; alpha: 7/8 of 1024 B, 1 slab of 2 pages;
    // mid: an empty cache of 8 B objects (counts in the caches' total and in the minimum).
    // Objects 37/48 = 77.08%; caches 2/3 = 66.67%; active size 30*64 + 7*1024 = 9088 B = 8.875K
    // ("8.88K"), total 40*64 + 8*1024 = 10752 B = 10.50K, 84.52%; average 10752 / 48 = 224 B
    // = 0.21875K ("0.22K"); USE: zeta 75%, alpha 87.5% → 87%, mid 0%.
    const text = HEAD + row("zeta", 30, 40, 64, 64, 1, 1) + row("alpha", 7, 8, 1024, 8, 2, 1) + row("mid", 0, 0, 8, 512, 1, 0);
    const zeta = "    40     30  75%    0.06K      1       64         4K zeta                   ";
    const alpha = "     8      7  87%    1.00K      1        8         8K alpha                  ";
    const mid = "     0      0   0%    0.01K      0      512         0K mid                    ";
    expect(formatSlabtop(text)).toBe(
      [
        " Active / Total Objects (% used)    : 37 / 48 (77.1%)",
        " Active / Total Slabs (% used)      : 2 / 2 (100.0%)",
        " Active / Total Caches (% used)     : 2 / 3 (66.7%)",
        " Active / Total Size (% used)       : 8.88K / 10.50K (84.5%)",
        " Minimum / Average / Maximum Object : 0.01K / 0.22K / 1.00K",
        "",
        "  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME                   ",
        zeta,
        alpha,
        mid,
        "",
      ].join("\n"),
    );
    const rows = (sort: string): string[] => formatSlabtop(text, { sort }).split("\n").slice(7, 10);
    expect(rows("n")).toEqual([alpha, mid, zeta]); // name: the one ascending sort
    expect(rows("N")).toEqual([alpha, mid, zeta]); // the letter is case-insensitive (tolower)
    expect(rows("s")).toEqual([alpha, zeta, mid]); // object size
    expect(rows("u")).toEqual([alpha, zeta, mid]); // utilization
    expect(rows("c")).toEqual([alpha, zeta, mid]); // cache size 8K, 4K, 0K
    expect(rows("b")).toEqual([mid, zeta, alpha]); // objects per slab 512, 64, 8
    expect(rows("p")).toEqual([alpha, zeta, mid]); // pages per slab 2, 1, 1 (ties keep slabinfo's order)
    expect(rows("a")).toEqual([zeta, alpha, mid]);
    expect(rows("x")).toEqual([zeta, alpha, mid]); // an unknown letter is the default, objects
  });

  it("computes USE in C float arithmetic: 29 of 100 is 29%, where doubles would truncate to 28", () => {
    const out = formatSlabtop(HEAD + row("c", 29, 100, 64, 64, 1, 2)).split("\n");
    expect(out[7].slice(14, 18)).toBe(" 29%");
  });

  it("keeps slabinfo's order for equal keys, and survives an empty or garbled slabinfo", () => {
    const out = formatSlabtop(HEAD + row("first", 1, 5, 8, 512, 1, 1) + row("second", 5, 5, 8, 512, 1, 1)).split("\n");
    expect(out.slice(7, 9).map((l) => l.trim().split(/\s+/).pop())).toEqual(["first", "second"]);
    const empty = formatSlabtop("garbage\n").split("\n");
    expect(empty[0]).toBe(" Active / Total Objects (% used)    : 0 / 0 (-nan%)");
    expect(empty[4]).toBe(" Minimum / Average / Maximum Object : 2097152.00K / 0.00K / 0.00K"); // INT_MAX / 1024
    expect(empty).toHaveLength(8);
  });

  it("rounds %.2f exact ties to even, as glibc does", () => {
    expect(fixedN(0.125, 2)).toBe("0.12");
    expect(fixedN(0.375, 2)).toBe("0.38");
    expect(fixedN(8.875, 2)).toBe("8.88");
    expect(fixedN(0.1016, 2)).toBe("0.10");
  });
});
