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
[ -n "$w" ] || w=$(ls -d */ 2>/dev/null | head -1); w=${w%/}
[ -n "$w" ] && echo "Kernel: $(kv "$w/run_info" kernel_package) $(awk '/^kernel_package:/{print $3}' "$w/run_info"), accel: $(kv "$w/run_info" accel), $(sed -n 's/^qemu: //p' "$w/run_info")"
echo
echo "## Boots"
echo
echo "| workload | -m | completed | qemu exit | wall s |"
echo "|---|---|---|---|---|"
for w in w* [a-v]*-*; do
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


# ---------------------------------------------------------------- newer workloads
mi() { kv "$1" "$2"; } # meminfo field (kB)
vm() { kv "$1" "$2"; } # vmstat counter

if [ -d pc-read ]; then
	echo
	echo "## Page cache: pc-read (64 MiB file, read(2) of 4 KiB; read_ahead_kb $(cat pc-read/block.read_ahead_kb))"
	echo
	echo "| step | resident pages | pgpgin | read_bytes | vda sectors read | Cached kB | Active(file) | Inactive(file) | pgactivate |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for s in cold first4k seq1m rest warm rcold random; do
		[ -f pc-read/meminfo.$s ] || continue
		echo "| $s | $(awk '/^file/{print $NF}' pc-read/mincore.$s) | $(vm pc-read/vmstat.$s pgpgin) | $(kv pc-read/proc.$s.io read_bytes) | $(awk '{print $3}' pc-read/vda_stat.$s) | $(mi pc-read/meminfo.$s Cached) | $(mi pc-read/meminfo.$s 'Active(file)') | $(mi pc-read/meminfo.$s 'Inactive(file)') | $(vm pc-read/vmstat.$s pgactivate) |"
	done
fi
if [ -d pc-dirty ]; then
	echo
	echo "## Page cache: pc-dirty (256 MiB written in 1 MiB write(2)s; r1: dirty_ratio 20 / background 10, r2: dirty_bytes 16M / background 8M)"
	echo
	echo "| sample | Dirty kB | Writeback kB | nr_dirty | nr_writeback | nr_dirtied | nr_written | nr_dirty_threshold | nr_dirty_background_threshold | t s |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for f in pc-dirty/meminfo.r*; do
		s=${f#pc-dirty/meminfo.}
		echo "| $s | $(mi $f Dirty) | $(mi $f Writeback) | $(vm pc-dirty/vmstat.$s nr_dirty) | $(vm pc-dirty/vmstat.$s nr_writeback) | $(vm pc-dirty/vmstat.$s nr_dirtied) | $(vm pc-dirty/vmstat.$s nr_written) | $(vm pc-dirty/vmstat.$s nr_dirty_threshold) | $(vm pc-dirty/vmstat.$s nr_dirty_background_threshold) | $(kv pc-dirty/clock.$s monotonic) |"
	done
fi
if [ -d pc-mmap ]; then
	echo
	echo "## Page cache: pc-mmap (32 MiB file)"
	echo
	echo "| step | Cached | Dirty | Writeback | Mapped | AnonPages | nr_written | pgmajfault | task min_flt | task maj_flt | resident pages |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for s in before mapped written synced written2 synced2 unmapped private privunmapped dropped readfault end; do
		f=pc-mmap/meminfo.$s; [ -f $f ] || continue
		echo "| $s | $(mi $f Cached) | $(mi $f Dirty) | $(mi $f Writeback) | $(mi $f Mapped) | $(mi $f AnonPages) | $(vm pc-mmap/vmstat.$s nr_written) | $(vm pc-mmap/vmstat.$s pgmajfault) | $(awk '{print $10}' pc-mmap/proc.$s.stat) | $(awk '{print $12}' pc-mmap/proc.$s.stat) | $(awk '/^file/{print $NF}' pc-mmap/mincore.$s) |"
	done
fi
if ls -d pc-reclaim-s* >/dev/null 2>&1; then
	echo
	echo "## Page cache: pc-reclaim-sN (256 MiB, swap; 96 MiB file read twice, 160 MiB anon, file read again)"
	echo
	echo "| workload | step | MemFree | Active(file) | Inactive(file) | AnonPages | SwapFree | pgscan_anon | pgscan_file | pgsteal_anon | pgsteal_file | pswpout | workingset_refault_file | workingset_activate_file |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for w in pc-reclaim-s0 pc-reclaim-s60 pc-reclaim-s200; do
		for s in read2 anon read3 unmapped; do
			f=$w/meminfo.$s; [ -f $f ] || continue
			v=$w/vmstat.$s
			echo "| $w | $s | $(mi $f MemFree) | $(mi $f 'Active(file)') | $(mi $f 'Inactive(file)') | $(mi $f AnonPages) | $(mi $f SwapFree) | $(vm $v pgscan_anon) | $(vm $v pgscan_file) | $(vm $v pgsteal_anon) | $(vm $v pgsteal_file) | $(vm $v pswpout) | $(vm $v workingset_refault_file) | $(vm $v workingset_activate_file) |"
		done
	done
fi
cgl() { # DIR PREFIX STEP: current swap.current events.high events.max events.low
	echo "$(cat $1/$2.$3.memory.current 2>/dev/null) | $(cat $1/$2.$3.memory.swap.current 2>/dev/null) | $(kv $1/$2.$3.memory.events low) | $(kv $1/$2.$3.memory.events high) | $(kv $1/$2.$3.memory.events max)"
}
if [ -d mc-high ]; then
	echo
	echo "## memcg: mc-high (memory.high=32M, 64 MiB touched)"
	echo
	echo "| step | memory.current | swap.current | low | high | max | t s |"
	echo "|---|---|---|---|---|---|---|"
	for s in start t016 t032 t048 t064 done; do
		[ -f mc-high/cg.$s.memory.current ] && echo "| swap $s | $(cgl mc-high cg $s) | $(kv mc-high/clock.$s monotonic) |"
	done
	for s in held exit; do
		[ -f mc-high/cgn.$s.memory.current ] && echo "| noswap $s | $(cgl mc-high cgn $s) | |"
	done
	[ -f mc-high/result ] && echo && echo "    $(cat mc-high/result)" && echo "    last progress: $(grep 'touched' mc-high/rkx2.log | tail -1)"
fi
if [ -d mc-low ]; then
	echo
	echo "## memcg: mc-low (A memory.low=128M and B hold 200 MiB each; C 384 MiB, then D 352 MiB mlocked-on-fault, both in the root group)"
	echo
	echo "| step | A current | A swap | A low | A high | A max | B current | B swap | B low | B high | B max |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for f in mc-low/cgA.*.memory.current; do
		s=${f#mc-low/cgA.}; s=${s%.memory.current}
		echo "| $s | $(cgl mc-low cgA $s) | $(cgl mc-low cgB $s) |"
	done
fi
if [ -d mc-file-max ]; then
	echo
	echo "## memcg: mc-file-max (memory.max=32M, 128 MiB file read twice)"
	echo
	echo "| step | memory.current | events max | file | active_file | inactive_file | workingset_refault_file | workingset_activate_file | pgscan | pgsteal |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for s in before p1_032 p1_064 p1_096 p1_128 p2_032 p2_064 p2_096 p2_128 exit dropped; do
		f=mc-file-max/cg.$s.memory.current; [ -f $f ] || continue
		m=mc-file-max/cg.$s.memory.stat
		echo "| $s | $(cat $f) | $(kv mc-file-max/cg.$s.memory.events max) | $(kv $m file) | $(kv $m active_file) | $(kv $m inactive_file) | $(kv $m workingset_refault_file) | $(kv $m workingset_activate_file) | $(kv $m pgscan) | $(kv $m pgsteal) |"
	done
fi
if [ -d mc-swap-max ]; then
	echo
	echo "## memcg: mc-swap-max (memory.max=32M, memory.swap.max=16M, 64 MiB touched)"
	echo
	echo "    memory.events after: $(tr '\n' ' ' <mc-swap-max/cg.after.memory.events)"
	echo "    memory.swap.events after: $(tr '\n' ' ' <mc-swap-max/cg.after.memory.swap.events)"
	for r in mc-swap-max/oom_report.*; do
		[ -f "$r" ] && grep -E 'invoked oom-killer|^\[ *[0-9.]+\] (memory|swap):|Killed process|oom-kill:constraint' "$r" | sed 's/^\[ *[0-9.]*\] /    /'
	done
fi
if ls -d sl-boot-* >/dev/null 2>&1; then
	echo
	echo "## Kernel memory right after boot (sl-boot-*), kB"
	echo
	echo "| workload | online CPUs | MemTotal | MemFree | Slab | SReclaimable | SUnreclaim | KernelStack | PageTables | Percpu | VmallocUsed | caches (dirs) | aliases |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for w in sl-boot-m256 sl-boot-m512 sl-boot-m1024 sl-boot-m2048 sl-boot-m1024-smp2 sl-boot-m1024-smp4; do
		f=$w/meminfo; [ -f $f ] || continue
		echo "| $w | $(cat $w/cpu_online) | $(mi $f MemTotal) | $(mi $f MemFree) | $(mi $f Slab) | $(mi $f SReclaimable) | $(mi $f SUnreclaim) | $(mi $f KernelStack) | $(mi $f PageTables) | $(mi $f Percpu) | $(mi $f VmallocUsed) | $(awk '{print $1}' $w/slab_sysfs | sort -u | wc -l) | $(grep -c -- '->' $w/slab_ls) |"
	done
fi
slrow() { # FILE STEP
	echo "| $2 | $(mi $1 MemFree) | $(mi $1 Slab) | $(mi $1 SReclaimable) | $(mi $1 SUnreclaim) | $(mi $1 KernelStack) | $(mi $1 PageTables) |"
}
slab_objs() { # SLABINFO NAME... : active/total objects
	for n in "$@"; do awk -v n="$n" '$1 == n { printf "%s %s/%s; ", n, $2, $3 }' "$1"; done
}
sl_section() { # DIR TITLE "STEPS" "SLABINFO STEPS" CACHE... : meminfo table and slab objects
	local d=$1 title=$2 steps=$3 ssteps=$4 s
	shift 4
	[ -d $d ] || return 0
	echo
	echo "## Kernel memory: $d ($title), kB"
	echo
	echo "| step | MemFree | Slab | SReclaimable | SUnreclaim | KernelStack | PageTables |"
	echo "|---|---|---|---|---|---|---|"
	for s in $steps; do [ -f $d/meminfo.$s ] && slrow $d/meminfo.$s $s; done
	echo
	for s in $ssteps; do
		[ -f $d/slabinfo.$s ] && echo "- $s: $(slab_objs $d/slabinfo.$s "$@")"
	done
}
sl_section sl-fork "500 children that pause" "before forked reaped settled" "before forked settled" \
	task_struct mm_struct vm_area_struct anon_vma anon_vma_chain pid signal_cache sighand_cache files_cache
sl_section sl-dcache "100k empty files: ext2, then tmpfs" \
	"before created synced dropped restat dropped2 t_before t_created t_dropped t_umounted" \
	"created dropped t_created t_umounted" dentry ext4_inode_cache shmem_inode_cache buffer_head
if [ -d hp-hugetlb ]; then
	echo
	echo "## Huge pages: hp-hugetlb (1 GiB)"
	echo
	echo "| step | HugePages_Total | Free | Rsvd | Surp | Hugetlb kB | MemFree kB | task HugetlbPages kB |"
	echo "|---|---|---|---|---|---|---|---|"
	for s in pool mapped half full unmapped ovc s_mapped s_full s_unmapped huge zero; do
		f=hp-hugetlb/meminfo.$s; [ -f $f ] || continue
		echo "| $s | $(mi $f HugePages_Total) | $(mi $f HugePages_Free) | $(mi $f HugePages_Rsvd) | $(mi $f HugePages_Surp) | $(mi $f Hugetlb) | $(mi $f MemFree) | $(kv hp-hugetlb/proc.$s.status HugetlbPages) |"
	done
	echo
	for p in hp-hugetlb/probe_*; do [ -f $p ] && echo "- ${p#hp-hugetlb/}: $(cat $p)"; done
	echo "- nr_hugepages=100000 reads back $(cat hp-hugetlb/sysvm.nr_hugepages.huge 2>/dev/null)"
fi
if [ -d hp-thp-madvise ]; then
	echo
	echo "## Huge pages: hp-thp-madvise (enabled=madvise)"
	echo
	echo "| step | AnonPages kB | AnonHugePages kB | thp_* counters (non-zero) |"
	echo "|---|---|---|---|"
	for s in before advised plain split collapsed unmapped; do
		f=hp-thp-madvise/meminfo.$s; [ -f $f ] || continue
		echo "| $s | $(mi $f AnonPages) | $(mi $f AnonHugePages) | $(grep -E '^thp_' hp-thp-madvise/vmstat.$s | grep -v ' 0$' | tr '\n' ' ' | sed 's/ $//') |"
	done
fi
if [ -d hp-compact ]; then
	echo
	echo "## Compaction: hp-compact (1 GiB; 576 MiB touched, every other page freed, compact_memory twice)"
	echo
	for s in before touched frag compacted compacted2 unmapped; do
		[ -f hp-compact/buddyinfo.$s ] || continue
		echo "    $s: $(grep DMA32 hp-compact/buddyinfo.$s | tr -s ' ')"
		c=$(grep -E '^compact_' hp-compact/vmstat.$s | grep -v ' 0$' | tr '\n' ' ')
		[ -n "$c" ] && echo "      $c"
	done
fi
if [ -d mg-thrash ]; then
	echo
	echo "## MGLRU: mg-thrash (lru_gen enabled $(cat mg-thrash/lru_gen.enabled 2>/dev/null)) vs mg-thrash-off vs w5, while holding"
	echo
	echo "| workload | pswpin | pswpout | pgscan_kswapd | pgscan_direct | pgsteal_kswapd | pgsteal_direct | pgmajfault | workingset_refault_anon |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for w in mg-thrash mg-thrash-off w5; do
		v=$w/vmstat.holding; [ -f $v ] || continue
		echo "| $w | $(vm $v pswpin) | $(vm $v pswpout) | $(vm $v pgscan_kswapd) | $(vm $v pgscan_direct) | $(vm $v pgsteal_kswapd) | $(vm $v pgsteal_direct) | $(vm $v pgmajfault) | $(vm $v workingset_refault_anon) |"
	done
fi
