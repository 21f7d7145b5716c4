#!/usr/bin/env node
/**
 * Writes src/mm/slab_boot.ts, the boot footprint of the slab allocator, from the real 6.1
 * captures in test/realkernel/data/sl-boot-*: every cache 6.1 creates after kmem_cache_init
 * and the kmalloc caches, in creation order (the reverse of /proc/slabinfo's order, aliases
 * right after the cache they merged into, as sl-boot-m512's /sys/kernel/slab links show), with
 * each cache's object size and the flags its sysfs directory shows (the unique id's letters,
 * reclaim_account; a free pointer outside the object where slab_size says so), and how many
 * objects each cache holds right after boot with 1, 2 and 4 CPUs on one node (sl-boot-m1024,
 * -smp2, -smp4), with a second node (sl-boot-numa2 less -smp2) and per 128 MiB memory block
 * (kernfs_node_cache: sl-boot-m256 to -m2048). Also the pages of large kmallocs (meminfo's Slab
 * less the slabs /proc/slabinfo lists).
 *
 *   node scripts/slab-boot-table.mjs > src/mm/slab_boot.ts
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const data = (w, f) => readFileSync(path.join(root, "test/realkernel/data", w, f), "utf8");

function slabinfo(w) {
  const out = new Map();
  for (const l of data(w, "slabinfo").split("\n").slice(2)) {
    const f = l.trim().split(/\s+/);
    if (f.length < 6) continue;
    out.set(f[0], { active: +f[1], num: +f[2], size: +f[3], per: +f[4], pages: +f[5], slabs: +f[f.length - 2] });
  }
  return out;
}
function meminfo(w, name) {
  return Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(data(w, "meminfo"))[1]);
}
const order = [...slabinfo("sl-boot-m512").keys()].reverse(); // creation order
const sysfs = new Map();
for (const l of data("sl-boot-m512", "slab_sysfs").split("\n")) {
  const [dir, attr, ...v] = l.split(" ");
  if (!dir) continue;
  if (!sysfs.has(dir)) sysfs.set(dir, {});
  sysfs.get(dir)[attr] = v.join(" ");
}
const links = new Map(); // alias name -> dir
for (const l of data("sl-boot-m512", "slab_ls").split("\n")) {
  const m = /\s(\S+) -> (\S+)$/.exec(l);
  if (m) links.set(m[1], m[2]);
}
const dirOf = (name) => links.get(name) ?? name;
const aliasesOf = new Map();
for (const [name, dir] of links) {
  if (!aliasesOf.has(dir)) aliasesOf.set(dir, []);
  aliasesOf.get(dir).push(name);
}
const ALIGN = (x, a) => Math.ceil(x / a) * a;
/**
 * What the captures cannot tell and 6.1's source does: constructors, SLAB_TYPESAFE_BY_RCU and
 * SLAB_ACCOUNT of the caches the model allocates from or whose slab_size puts the free pointer
 * after the object (kernel/fork.c, mm/rmap.c, fs/dcache.c, fs/inode.c, mm/shmem.c,
 * lib/radix-tree.c, block/bio.c, net/core/sock.c's proto caches, ...).
 */
const OVERRIDES = {
  radix_tree_node: { ctor: "radix_tree_node_ctor" },
  anon_vma: { rcu: true, ctor: "anon_vma_ctor", flags: ["SLAB_ACCOUNT"] },
  task_struct: { flags: ["SLAB_ACCOUNT"] },
  mm_struct: { flags: ["SLAB_ACCOUNT"] },
  sighand_cache: { rcu: true, ctor: "sighand_ctor", flags: ["SLAB_ACCOUNT"], usercopy: false },
  iint_cache: { ctor: "init_once" },
  dentry: { flags: ["SLAB_ACCOUNT"] },
  inode_cache: { ctor: "init_once", flags: ["SLAB_ACCOUNT"] },
  shmem_inode_cache: { ctor: "shmem_init_inode", flags: ["SLAB_ACCOUNT"] },
  proc_inode_cache: { ctor: "init_once", flags: ["SLAB_ACCOUNT"] },
  sock_inode_cache: { ctor: "init_once", flags: ["SLAB_ACCOUNT"] },
  "bio-192": { rcu: true },
  "bio-256": { rcu: true },
  hugetlbfs_inode_cache: { ctor: "init_once" },
  request_sock_TCP: { rcu: true },
  tw_sock_TCP: { rcu: true },
  request_sock_subflow_v4: { rcu: true },
  userfaultfd_ctx_cache: { ctor: "init_once_userfaultfd_ctx" },
  mqueue_inode_cache: { ctor: "init_once", flags: ["SLAB_ACCOUNT"] },
  request_sock_TCPv6: { rcu: true },
  tw_sock_TCPv6: { rcu: true },
  request_sock_subflow_v6: { rcu: true },
  MPTCPv6: { rcu: true },
};
const hwAlign = (size) => {
  let r = 64;
  while (size <= r / 2) r /= 2;
  return Math.max(r, 8);
};
/** The flags and kind reproducing slab_size from object_size. */
function derive(name, dir) {
  const a = sysfs.get(dir);
  const o = +a.object_size;
  const s = +a.slab_size;
  const flags = [];
  const merge = dir.startsWith(":");
  if (merge) {
    const letters = /^:([a-zA-Z]*)-?\d+$/.exec(dir)[1];
    if (letters.includes("a")) flags.push("SLAB_RECLAIM_ACCOUNT");
    if (letters.includes("A")) flags.push("SLAB_ACCOUNT");
    if (letters.includes("d")) flags.push("SLAB_CACHE_DMA");
  } else if (a.reclaim_account === "1") flags.push("SLAB_RECLAIM_ACCOUNT");
  const s8 = ALIGN(o, 8);
  let kind;
  if (s8 === s) kind = merge ? "merge" : "usercopy";
  else if (!merge && ALIGN(s8 + 8, 8) === s) kind = "ctor";
  else if (ALIGN(s8, hwAlign(s8)) === s) {
    flags.push("SLAB_HWCACHE_ALIGN");
    kind = merge ? "merge" : "usercopy";
  } else if (!merge && ALIGN(s8 + 8, hwAlign(s8)) === s) {
    flags.push("SLAB_HWCACHE_ALIGN");
    kind = "ctor";
  } else throw new Error(`cannot derive ${name}: object ${o} slab ${s}`);
  const ov = OVERRIDES[name] ?? {};
  for (const f of ov.flags ?? []) flags.push(f);
  if (ov.rcu) flags.push("SLAB_TYPESAFE_BY_RCU");
  if (kind === "ctor" && !ov.rcu && !ov.ctor) throw new Error(`${name}: free pointer outside the object, but no constructor or RCU known`);
  const ctor = ov.ctor ?? "";
  const usersize = kind === "usercopy" && ov.usercopy !== false ? o : 0;
  return { o, flags, ctor, usersize };
}
const info = {
  c1: slabinfo("sl-boot-m1024"),
  c2: slabinfo("sl-boot-m1024-smp2"),
  c4: slabinfo("sl-boot-m1024-smp4"),
  n2: slabinfo("sl-boot-numa2"),
  m256: slabinfo("sl-boot-m256"),
  m2048: slabinfo("sl-boot-m2048"),
};
const rows = [];
const counts = [];
const skip = (n) => n === "kmem_cache" || n === "kmem_cache_node" || /^(dma-)?kmalloc-/.test(n);
for (const name of order) {
  const c1 = info.c1.get(name).active;
  const c2 = info.c2.get(name).active;
  const c4 = info.c4.get(name).active;
  const node = info.n2.get(name).active - c2;
  const block = name === "kernfs_node_cache" ? Math.round((info.m2048.get(name).active - info.m256.get(name).active) / 14) : 0;
  if (c1 || c2 || c4 || node) counts.push(`    ["${name}", ${c1}, ${c2}, ${c4}, ${node}, ${block}],`);
  if (skip(name)) continue;
  const dir = dirOf(name);
  const d = derive(name, dir);
  const fl = (f) => (f.length ? f.join(" | ") : "0");
  rows.push(`    ["${name}", ${d.o}, ${fl(d.flags)}, "${d.ctor}", ${d.usersize}],`);
  for (const alias of (aliasesOf.get(dir) ?? []).filter((x) => x !== name).sort()) rows.push(`    ["${alias}", ${d.o}, ${fl(d.flags)}, "", 0],`);
}
const large = (w) => {
  let pages = 0;
  for (const v of slabinfo(w).values()) pages += v.slabs * v.pages;
  return meminfo(w, "Slab") / 4 - pages;
};
const L = { c1: large("sl-boot-m1024"), c2: large("sl-boot-m1024-smp2"), c4: large("sl-boot-m1024-smp4"), n2: large("sl-boot-numa2") };

console.log(`/**
 * The slab allocator's boot footprint, as the real 6.1 kernel leaves it (test/realkernel/data
 * sl-boot-*): generated by scripts/slab-boot-table.mjs from the captures; do not edit by hand.
 *
 * BOOT_CACHES: every cache 6.1 creates after kmem_cache_init and the kmalloc caches, in creation
 * order (the reverse of /proc/slabinfo's), each alias right after the cache it merged into
 * (sl-boot-m512's /sys/kernel/slab links), with its object size and the flags its sysfs
 * directory shows: the unique id's letters (a: SLAB_RECLAIM_ACCOUNT, A: SLAB_ACCOUNT, d:
 * SLAB_CACHE_DMA) or reclaim_account, and SLAB_HWCACHE_ALIGN where slab_size needs it. A cache
 * sysfs shows under its own name cannot merge: it has a constructor or SLAB_TYPESAFE_BY_RCU
 * (its free pointer is after the object, as slab_size shows; which one, and SLAB_ACCOUNT, are
 * taken from 6.1's source for the caches the model uses or whose size needs it), else a usercopy
 * region (recorded as the whole object).
 *
 * BOOT_OBJECTS: objects in use right after boot with 1, 2 and 4 CPUs on one node (sl-boot-m1024,
 * -smp2, -smp4), what a second node adds (sl-boot-numa2 less -smp2) and what each 128 MiB memory
 * block adds (sl-boot-m256 to -m2048), per cache as /proc/slabinfo names it.
 *
 * BOOT_KMALLOC_LARGE_PAGES: pages of kmalloc allocations above 8 KiB (counted in Slab but in no
 * cache): meminfo's Slab less /proc/slabinfo's slabs, for 1, 2, 4 CPUs and a second node.
 */
import { ${[...new Set(rows.join(" ").match(/SLAB_[A-Z_]+/g))].sort().join(", ")} } from "./slab.js";

/** [name, object size, flags, constructor, usercopy size], in creation order. */
export const BOOT_CACHES: ReadonlyArray<readonly [string, number, number, string, number]> = Object.freeze(
  ([
${rows.join("\n")}
  ] as Array<[string, number, number, string, number]>).map((r) => Object.freeze(r)),
);

/** [cache, objects with 1 CPU, 2 CPUs, 4 CPUs, per extra node, per 128 MiB memory block]. */
export const BOOT_OBJECTS: ReadonlyArray<readonly [string, number, number, number, number, number]> = Object.freeze(
  ([
${counts.join("\n")}
  ] as Array<[string, number, number, number, number, number]>).map((r) => Object.freeze(r)),
);

/** Large kmalloc pages after boot: [1 CPU, 2 CPUs, 4 CPUs, per extra node]. */
export const BOOT_KMALLOC_LARGE_PAGES: readonly number[] = Object.freeze([${L.c1}, ${L.c2}, ${L.c4}, ${L.n2 - L.c2}]);`);
