#!/bin/bash
# Compare two runs of the same workloads: which numbers differ, and by how much.
#
#   ./compare-runs.sh DIR_A DIR_B [WORKLOAD...]   (default: every folder in both)
#
# Each capture file present in both runs is read line by line. In a line, the
# tokens that are not numbers form the key (with the line's occurrence number
# when a key repeats, as in zoneinfo), and each number is one column. For every
# key and column whose values differ, one row is printed:
#
#   workload  file  key[#n]:col  A  B  B-A  rel%
#
# rel% is |B-A| / max(|A|,|B|). Files that are not numbers line for line (or
# whose lines do not pair up) are reported as "text differs". console.log,
# dmesg, run_info, *.log and clock.* are skipped (timestamps, wall time).
set -uo pipefail
A=${1:?usage: compare-runs.sh DIR_A DIR_B [WORKLOAD...]}
B=${2:?usage: compare-runs.sh DIR_A DIR_B [WORKLOAD...]}
shift 2
if [ $# -gt 0 ]; then ws=("$@"); else mapfile -t ws < <(cd "$A" && for d in */; do [ -d "$B/$d" ] && echo "${d%/}"; done); fi

for w in "${ws[@]}"; do
	(cd "$A/$w" && find . -type f | sed 's#^\./##' | LC_ALL=C sort) | while read -r f; do
		case "$f" in console.log | dmesg | run_info | *.log | clock.* | qemu.stderr) continue ;; esac
		[ -f "$B/$w/$f" ] || { echo "$w $f only in A"; continue; }
		cmp -s "$A/$w/$f" "$B/$w/$f" && continue
		awk -v w="$w" -v f="$f" '
		function parse(line, arr,    n, i, t, key, c) {
			n = split(line, t, /[ \t:=,()]+/)
			key = ""; c = 0
			for (i = 1; i <= n; i++) {
				if (t[i] == "") continue
				if (t[i] ~ /^-?[0-9]+(\.[0-9]+)?$/) arr[++c] = t[i]
				else key = key (key == "" ? "" : "_") t[i]
			}
			arr[0] = key
			return c
		}
		FNR == NR { la[FNR] = $0; na = FNR; next }
		{ lb[FNR] = $0; nb = FNR }
		END {
			if (na != nb) { printf "%s %s text differs (%d vs %d lines)\n", w, f, na, nb; exit }
			for (i = 1; i <= na; i++) {
				delete xa; delete xb
				ca = parse(la[i], xa); cb = parse(lb[i], xb)
				if (xa[0] != xb[0] || ca != cb) { printf "%s %s text differs at line %d\n", w, f, i; exit }
				k = xa[0]; occ[k]++
				if (occ[k] > 1) k = k "#" occ[k]
				for (c = 1; c <= ca; c++) {
					if (xa[c] == xb[c]) continue
					d = xb[c] - xa[c]
					m = (xa[c] < 0 ? -xa[c] : xa[c]); mb = (xb[c] < 0 ? -xb[c] : xb[c]); if (mb > m) m = mb
					printf "%s %s %s:%d %s %s %+g %.2f%%\n", w, f, (k == "" ? "-" : k), c, xa[c], xb[c], d, (m ? 100 * (d < 0 ? -d : d) / m : 0)
				}
			}
		}' "$A/$w/$f" "$B/$w/$f"
	done
done
