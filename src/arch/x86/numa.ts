/**
 * NUMA distances at run time: the SLIT table setup_arch stored (k.numa_distance), or the
 * defaults for nodes it does not cover.
 * @kernel arch/x86/mm/numa.c __node_distance
 * @kernel include/linux/topology.h node_distance, LOCAL_DISTANCE, REMOTE_DISTANCE
 */
import type { Kernel } from "../../kernel/kernel.js";

/** The distance of a node to itself when the firmware gives none. */
export const LOCAL_DISTANCE = 10;
/** The distance between two nodes when the firmware gives none. */
export const REMOTE_DISTANCE = 20;

/**
 * node_distance(a, b): numa_distance[a][b], or LOCAL_DISTANCE / REMOTE_DISTANCE for nodes
 * beyond the table (numa_distance_cnt).
 * @kernel arch/x86/mm/numa.c __node_distance
 */
export function node_distance(k: Kernel, a: number, b: number): number {
  const row = k.numa_distance[a];
  if (row !== undefined && row[b] !== undefined) return row[b];
  return a === b ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}
