import { describe, it, expect } from "vitest";
import { runCli } from "../main.js";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("mmsim run", () => {
  it("prints the report sections and the speed by wall clock and CPU time on stderr", async () => {
    const r = await cli(["run", "anon-touch"]);
    expect(r.code).toBe(0);
    for (const h of ["Machine", "Timeline (seconds since boot", "Processes", "Captured files", "Expectations"]) expect(r.out).toContain(`\n${h}`);
    expect(r.out).toMatch(/write buf sequential: 32768 accesses, 32768 page faults in [\d.]+ms — handle_mm_fault\(\), mm\/memory\.c/);
    expect(r.err).toMatch(/^ran 32,776 simulated operations in [\d.]+ s of real time, [\d.]+ s of CPU time \([\d,]+ operations\/s real, [\d,]+ per CPU second\), after a boot of [\d.]+ s real, [\d.]+ s CPU\n$/);
  });

  it("gives JSON with the same content for tools", async () => {
    const r = await cli(["run", "overcommit", "--json"]);
    const j = JSON.parse(r.out) as { ok: boolean; expectations: unknown[]; processes: Array<{ name: string; pid: number }>; timeline: Array<{ event: string }> };
    expect(j.ok).toBe(true);
    expect(j.expectations).toHaveLength(5);
    expect(j.processes[0]).toMatchObject({ name: "probe", pid: 61 });
    expect(j.timeline.filter((e) => e.event === "expected_error")).toHaveLength(3);
    expect(r.err).toBe("");
  });

  it("streams chosen tracepoints in ftrace's text format", async () => {
    const r = await cli(["run", "demand-paging", "--trace", "oom_score_adj_update,mm_page_alloc", "--quiet"]);
    expect(r.code).toBe(0);
    // The first pages go to the fork that makes the process (a slab page, in init's context),
    // then the process's own faults.
    expect(r.out).toMatch(/^ +\S+-1 +\[000\] \.{5} +\d+\.\d{6}: mm_page_alloc: /);
    expect(r.out).toMatch(/^ +\S+-61 +\[000\] \.{5} +\d+\.\d{6}: mm_page_alloc: /m);
    expect(r.out).not.toContain("expectations hold");
    const j = await cli(["run", "buddy-split-merge", "--trace", "mm_page_pcpu_drain", "--json"]);
    const lines = (JSON.parse(j.out) as { trace: string[] }).trace;
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^ {8}splitter-61 {6}\[000\] \.\.\.\.\. +\d+\.\d{6}: mm_page_pcpu_drain: page=\S+ pfn=0x[0-9a-f]+ order=0 migratetype=\d$/);
  });

  it("prints --cat files at the end and --show tools after the report", async () => {
    const r = await cli(["run", "fork-cow", "--cat", "/proc/buddyinfo", "--show", "free,smem,pmap:child"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("--- /proc/buddyinfo (at the end)\nNode 0, zone      DMA");
    expect(r.out).toContain("\n$ free\n               total        used        free      shared  buff/cache   available\nMem:    ");
    expect(r.out).toMatch(/\n\$ smem\n {2}PID User {5}Command {25}Swap {6}USS {6}PSS {6}RSS \n/);
    expect(r.out).toMatch(/\n\$ pmap -x child\n63: {3}forkcow\nAddress {11}Kbytes {5}RSS {3}Dirty Mode {2}Mapping\n/);
  });

  it("exits 1 with a diff when an expectation fails, and 2 for a bad option", async () => {
    const bad = await cli(["run", "anon-touch", "--seed", "x"]);
    expect(bad.code).toBe(2);
    const show = await cli(["run", "anon-touch", "--show", "top"]);
    expect(show.code).toBe(2);
    expect(show.err).toBe('error: unknown tool "top" for --show: expected free, vmstat, pmap, smem, slabtop, cgtop\n');
  });

  it("prints procps views of a scenario's end state", async () => {
    const f = await cli(["free", "-h", "--scenario", "anon-touch"]);
    expect(f.code).toBe(0);
    expect(f.out.split("\n")[1]).toMatch(/^Mem: {11}457Mi/);
    const v = await cli(["vmstat", "-s", "--scenario", "anon-touch"]);
    expect(v.out).toMatch(/^ {7}468416 K total memory\n/);
    const p = await cli(["pmap", "lazy", "--scenario", "demand-paging"]);
    expect(p.out).toMatch(/^61: {3}lazy\n/);
    expect(p.out).toMatch(/\n total {11}263136K\n$/);
    const s = await cli(["smem", "-t", "--scenario", "fork-cow"]);
    expect(s.out.split("\n")).toHaveLength(7);
    expect(s.out.split("\n")[5]).toMatch(/^ {4}3 1 {8}/);
    // slabtop -o from the machine's /proc/slabinfo: one row per cache, objects descending.
    const slab = await cli(["run", "anon-touch", "--cat", "/proc/slabinfo"]);
    const caches = slab.out.split("\n").filter((l) => / : slabdata /.test(l) && !l.startsWith("#"));
    const st = await cli(["slabtop", "--scenario", "anon-touch"]);
    expect(st.code).toBe(0);
    const st_lines = st.out.split("\n");
    expect(st_lines[0]).toMatch(/^ Active \/ Total Objects \(% used\) {4}: \d+ \/ \d+ \(\d+\.\d%\)$/);
    expect(st_lines[2]).toMatch(new RegExp(`^ Active / Total Caches \\(% used\\) {5}: \\d+ / ${caches.length} \\(`));
    const st_rows = st_lines.slice(7, -1);
    expect(st_rows).toHaveLength(caches.length);
    const objs = st_rows.map((l) => Number(l.slice(0, 6)));
    expect(objs).toEqual([...objs].sort((a, b) => b - a));
    const byName = (await cli(["slabtop", "-o", "-s", "n", "--scenario", "anon-touch"])).out.split("\n").slice(7, -1).map((l) => l.slice(55).trimEnd());
    expect(byName).toEqual(caches.map((l) => l.split(/\s+/)[0]).sort());
    const missing = await cli(["pmap", "nobody", "--scenario", "anon-touch"]);
    expect(missing.code).toBe(2);
  });

  it("shows the page cache in free and vmstat: buff/cache, shared and bi move with a file scenario", async () => {
    // w6-page-cache ends after drop_caches: only the rootfs's 6.8 MiB remain in the page cache.
    // free's buff/cache is Buffers + Cached + SReclaimable (procps-ng's "cached" counts the
    // reclaimable slab): 0 + 6908 + 8912 kB of reclaimable slab (the boot's 8776, the ext2
    // mount's first 16 kB ext4_inode_cache slab, 48 kB of buffer_head slabs: the few buffers
    // the block device's pinned pages keep, and the empty slabs SLUB holds on its partial lists;
    // and 72 kB of radix_tree_node slabs: the xa_nodes of those pinned pages, and slabs the
    // dropped file's 261 nodes left partly used) = 15820.
    const w6 = await cli(["free", "--scenario", "w6-page-cache"]);
    expect(w6.out.split("\n")[1]).toMatch(/^Mem: +468416 +\d+ +\d+ +6832 +15820 +\d+$/);
    // page-cache-read ends with its 64 MiB file mapped and cached, read from the disk twice
    // (131 MiB paged in), and the ext2 indirect blocks in Buffers. Its drop_caches=3 also drops
    // the file's dentry and inode, so the next open reads the directory and inode-table blocks
    // back (two 1 KiB blocks: +2 K paged in, +8 kB of Buffers in their pages).
    const v = await cli(["vmstat", "--scenario", "page-cache-read"]);
    const row = v.out.split("\n")[2].trim().split(/ +/).map(Number);
    // free, buff, cache (vmstat's cache is Cached + SReclaimable: 72368 + 9196 kB, the slab
    // holding the indirect blocks' buffer_heads, four per 1 KiB-block page of Buffers, and the
    // xa_nodes of the file, 1 + 4 + 256, and of the block device's scattered metadata pages)
    expect(row.slice(3, 6)).toEqual([370204, 1036, 81564]);
    expect(row[8]).toBeGreaterThan(0); // bi
    expect(row[9]).toBe(0); // bo: nothing written
    const s = await cli(["vmstat", "-s", "--scenario", "page-cache-read"]);
    expect(s.out).toContain("\n       131593 K paged in\n            0 K paged out\n");
    // tmpfs-full ends with 12 MiB in its tmpfs: shared and buff/cache both hold it (buff/cache
    // also the 8808 kB of reclaimable slab: the boot's 8776 and four radix_tree_node slabs for
    // the file's 49 xa_nodes, 48 leaves and a root).
    const t = await cli(["free", "--scenario", "tmpfs-full"]);
    expect(t.out.split("\n")[1]).toMatch(/^Mem: +210752 +\d+ +\d+ +19120 +27928 +\d+$/);
  });
});

describe("mmsim run: input it refuses", () => {
  it("refuses a run above the work budget with exit 2 and one located line, and runs it with --force", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "mmsim-budget-"));
    const file = join(dir, "heavy.yaml");
    // The touch would be 10^15 accesses, but the first one is a SIGSEGV: a forced run ends at once.
    writeFileSync(file, "processes:\n  - name: p\n    run:\n      - mmap: { name: m, size: 4M, prot: none }\n      - touch: { region: m, count: 1000000000, repeat: 1000000 }\nexpect:\n  - process: p\n    state: killed\n");
    const r = await cli(["run", file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^\S+heavy\.yaml:5:9 processes\[0\]\.run\[1\]\.touch: the run is estimated at [\d,]+ page accesses, above the budget of 2,000,000,000 .*--force\n$/);
    const f = await cli(["run", file, "--force", "--quiet"]);
    expect(f.code).toBe(0);
  });

  it("refuses an endless file after reading at most MAX_SCENARIO_BYTES", async () => {
    const r = await cli(["run", "/dev/zero"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("/dev/zero:1:1 the file is too large: more than the 16 MiB a scenario may have\n");
  });
});
