#!/bin/bash
# Print a short Markdown summary of data/ (run.sh writes it to data/SUMMARY.md).
# usage: summarize.sh [DATA_DIR]
set -uo pipefail
D="${1:-$(cd "$(dirname "$0")" && pwd)/../../test/realkernel/data}"
cd "$D" || exit 1

kv() { awk -v k="$2" '$1 == k":" || $1 == k { print $2; exit }' "$1" 2>/dev/null; }

echo "# Real-kernel ground truth: summary"
echo
w=$(ls -d w* 2>/dev/null | head -1)
[ -n "$w" ] && echo "Kernel: $(kv "$w/run_info" kernel_package) $(awk '/^kernel_package:/{print $3}' "$w/run_info"), accel: $(kv "$w/run_info" accel), $(sed -n 's/^qemu: //p' "$w/run_info")"
echo
echo "## Boots"
echo
echo "| workload | -m | completed | qemu exit | wall s |"
echo "|---|---|---|---|---|"
for w in w*; do
	[ -f "$w/run_info" ] || continue
	echo "| $w | $(kv $w/run_info memory) | $(kv $w/run_info completed) | $(kv $w/run_info qemu_exit) | $(kv $w/run_info wall_seconds) |"
done
echo
echo "## Idle state (W0 variants): min_free_kbytes, THP default, zone watermarks (pages)"
echo
for w in w0*; do
	[ -f "$w/meminfo" ] || continue
	echo "- **$w** ($(kv $w/run_info memory)): MemTotal $(kv $w/meminfo MemTotal) kB, MemFree $(kv $w/meminfo MemFree) kB, min_free_kbytes $(cat $w/sys_vm/min_free_kbytes), watermark_scale_factor $(cat $w/sys_vm/watermark_scale_factor), THP enabled \`$(cat $w/thp/enabled)\`, lowmem_reserve_ratio \`$(cat $w/sys_vm/lowmem_reserve_ratio | tr '\t' ' ')\`"
	awk '/^Node/ { z = $2 " " $4 }
	/^  pages free/ { f = $3 }
	/^        min/ { mn = $2 } /^        low/ { lo = $2 } /^        high/ { hi = $2 }
	/^        spanned/ { sp = $2 } /^        present/ { pr = $2 }
	/^        managed/ { ma = $2 }
	/^        protection:/ { if (ma > 0) printf "  - node %s: free %s min %s low %s high %s spanned %s present %s managed %s protection %s\n", z, f, mn, lo, hi, sp, pr, ma, substr($0, index($0, "(")) }' $w/zoneinfo
done
echo
echo "## OOM workloads"
for w in w3* w4; do
	[ -d "$w" ] || continue
	echo
	echo "### $w"
	echo
	[ -f $w/procs ] && sed 's/^/    /' $w/procs
	[ -f $w/result ] && sed 's/^/    /' $w/result
	for x in A B; do
		[ -f $w/$x.AB.oom_score ] && echo "    $x oom_score (before memC started): $(cat $w/$x.AB.oom_score)"
	done
	for r in $w/oom_report.*; do
		[ -f "$r" ] || continue
		echo "    ${r##*/}:"
		grep -E 'invoked oom-killer|Killed process|^\[ *[0-9.]+\] \[ *[0-9]+\]|oom-kill:constraint' "$r" | sed 's/^\[ *[0-9.]*\] /      /'
	done
	[ -f $w/cg.afteroom.memory.events ] && echo "    memory.events after OOM: $(tr '\n' ' ' <$w/cg.afteroom.memory.events)"
done
echo
echo "## Swap (W5: virtio disk, W5z: zram) counters while holding 384 MiB in 256 MiB"
echo
for w in w5 w5z; do
	[ -f $w/vmstat.holding ] || continue
	echo "- **$w**: $(grep -E '^(pswpin|pswpout|pgscan_kswapd|pgscan_direct|pgsteal_kswapd|pgsteal_direct|pgmajfault|workingset_refault_anon|workingset_activate_anon|allocstall_dma32|pageoutrun) ' $w/vmstat.holding | tr '\n' ' ' | sed 's/ $//')"
done
echo
echo "## Page cache (W6): kB"
echo
if [ -d w6 ]; then
	echo "| step | MemFree | Cached | Buffers | Shmem | Active(file) | Inactive(file) |"
	echo "|---|---|---|---|---|---|---|"
	for s in before tmpfs tmpfsrm dropped0 read1 read2 dropped; do
		f=w6/meminfo.$s; [ -f $f ] || continue
		echo "| $s | $(kv $f MemFree) | $(kv $f Cached) | $(kv $f Buffers) | $(kv $f Shmem) | $(kv $f 'Active(file)') | $(kv $f 'Inactive(file)') |"
	done
fi
echo
echo "## Huge pages (W7, W1t)"
echo
for f in w7/meminfo.hugetlb w7/meminfo.hugetlbuse w7/meminfo.thp w1t/meminfo.holding; do
	[ -f $f ] || continue
	echo "- $f: HugePages_Total $(kv $f HugePages_Total) HugePages_Free $(kv $f HugePages_Free) Hugetlb $(kv $f Hugetlb) kB AnonHugePages $(kv $f AnonHugePages) kB"
done
for f in w7/vmstat.thp w1t/vmstat.holding; do
	[ -f $f ] && echo "- $f: $(grep -E '^thp_' $f | grep -v ' 0$' | tr '\n' ' ')"
done
echo
echo "## Fragmentation / compaction (W8) buddyinfo"
echo
for s in before frag compacted afterexit; do
	[ -f w8/buddyinfo.$s ] || continue
	echo "    $s:"
	sed 's/^/      /' w8/buddyinfo.$s
done
[ -f w8/vmstat.compacted ] && echo && echo "compaction counters: $(grep -E '^compact_' w8/vmstat.compacted | grep -v ' 0$' | tr '\n' ' ')"
echo
echo "## Overcommit (W9)"
echo
for f in w9/overcommit.*; do
	[ -f "$f" ] || continue
	echo "- ${f##*/}: $(grep -E '^CommitLimit' $f | tr -s ' ') ; largest ok mmap: $(grep ': ok' $f | tail -1 | awk '{print $2}') MiB; smallest failed: $(grep FAILED $f | head -1 | awk '{print $2}') MiB"
done
