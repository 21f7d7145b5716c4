/**
 * The classic memory tools' output formats, computed from /proc text: free and vmstat
 * (procps-ng 4.0.x), pmap and slabtop (procps-ng), smem (1.5), a systemd-cgtop-style table of
 * the memory cgroups. Pure: the caller reads the files.
 */
export { formatFree, scale_size, type FreeOptions } from "./free.js";
export { formatVmstat, simulatedStat, type VmstatInput, type VmstatOptions } from "./vmstat.js";
export { formatPmap, type PmapOptions } from "./pmap.js";
export { formatSlabtop, SLABTOP_SORT_LETTERS, type SlabtopOptions } from "./slabtop.js";
export { formatSmem, units, type SmemOptions } from "./smem.js";
export { formatCgtop, formatBytesIec, type CgtopGroup, type CgtopOptions } from "./cgtop.js";
export { type ProcTaskFiles } from "./common.js";
