/**
 * The counters and their updates. Zone, node and event counters are exact here.
 *
 * Simplified: the kernel batches updates in per-cpu diffs and folds them into the global atomics
 * past stat_threshold, so a reader can see a value up to threshold × nr_cpus stale. The model
 * keeps the global values exact and only reports the threshold zoneinfo prints.
 * @kernel mm/vmstat.c __mod_zone_page_state, __mod_node_page_state, calculate_normal_threshold
 * @kernel include/linux/vmstat.h count_vm_event, __count_zid_vm_events, global_zone_page_state
 */
import type { Kernel } from "../kernel/kernel.js";
import { fls } from "../lib/bitops.js";
import type { pglist_data, zone } from "./mmzone.js";

export function __mod_zone_page_state(z: zone, item: number, delta: number): void {
  z.vm_stat[item] += delta;
}

export function __mod_node_page_state(pgdat: pglist_data, item: number, delta: number): void {
  pgdat.vm_stat[item] += delta;
}

export function count_vm_event(k: Kernel, item: number): void {
  k.vm_events[item]++;
}

export function count_vm_events(k: Kernel, item: number, delta: number): void {
  k.vm_events[item] += delta;
}

/** Counts an event of a per-zone family (PGALLOC_*, ALLOCSTALL_*…): `base` is its DMA entry. */
export function __count_zid_vm_events(k: Kernel, base: number, zid: number, delta: number): void {
  k.vm_events[base + zid] += delta;
}

export function zone_page_state(z: zone, item: number): number {
  return z.vm_stat[item];
}

export function node_page_state(pgdat: pglist_data, item: number): number {
  return pgdat.vm_stat[item];
}

/** A zone counter summed over every zone of every node. */
export function global_zone_page_state(k: Kernel, item: number): number {
  let sum = 0;
  for (const z of k.zones) sum += z.vm_stat[item];
  return sum;
}

/** A node counter summed over every node. */
export function global_node_page_state(k: Kernel, item: number): number {
  let sum = 0;
  for (const pgdat of k.node_data) sum += pgdat.vm_stat[item];
  return sum;
}

/** A NUMA event summed over every zone. */
export function global_numa_event_state(k: Kernel, item: number): number {
  let sum = 0;
  for (const z of k.zones) sum += z.vm_numa_event[item];
  return sum;
}

/**
 * The per-cpu stat threshold zoneinfo prints: grows with the log of the CPU count and the zone
 * size, capped at 125. A 1-CPU 512 MiB guest: DMA32 has 113264 managed pages = 442 MiB, so
 * mem = 442 >> 7 = 3 → 2 * fls(1) * (1 + fls(3)) = 2 * 1 * 3 = 6, as w0/zoneinfo shows.
 * @kernel mm/vmstat.c calculate_normal_threshold
 */
export function calculate_normal_threshold(z: zone, nr_online_cpus: number): number {
  const mem = Math.floor(z.managed_pages / ((1 << 27) / 4096));
  const threshold = 2 * fls(nr_online_cpus) * (1 + fls(mem));
  return Math.min(125, threshold);
}

