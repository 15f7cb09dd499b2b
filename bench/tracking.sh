#!/usr/bin/env bash
# Times `dgaudit trace` against `grep -c ''` on the same generated
# message-tracking logs (Exchange 2016 format, ~10 MB files, an NDR loop,
# spoofing, backscatter and an out-of-office storm mixed into ordinary
# traffic), and reports wall time, CPU time, throughput and peak RSS side by
# side. Targets: dgaudit at least a third of grep's speed, peak RSS under
# 300 MB.
#
# Beside them it times three passes that do less than dgaudit (see
# bench/trackingfloor): reading the files and counting lines on both cores,
# finding every field of every row as a CSV reader must, and dgaudit's own
# parser with nothing done per event. They show how much of the target each
# stage takes before any analysis. FLOOR=0 leaves them out.
#
# Usage: bench/tracking.sh [SIZE] [SEED]    (SIZE default 2GB; run from anywhere
# in the repository). The logs go to a temporary folder under /tmp and are
# deleted on exit. ROUNDS (default 3) runs each tool that many times,
# alternating, and reports each tool's median run by wall time: a shared
# machine's speed drifts by a quarter from one minute to the next.
set -euo pipefail

size="${1:-2GB}"
seed="${2:-1}"
cd "$(dirname "$0")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh
need_gnu_time

tmp="$(mktemp -d /tmp/dgaudit-tracking-bench.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/dgaudit" ./cmd/dgaudit
go build -o "$tmp/gentracking" ./bench/gentracking
go build -o "$tmp/trackingfloor" ./bench/trackingfloor
"$tmp/gentracking" -size "$size" -seed "$seed" -o "$tmp/logs"
bytes=$(du -sb "$tmp/logs" | cut -f1)
echo "logs: $(du -sh "$tmp/logs" | cut -f1) in $(ls "$tmp/logs" | wc -l) files" >&2

# Both read the files once untimed first, so both find them in the page
# cache. grep's output goes to a file: GNU grep stops at the first match
# when its output is /dev/null.
cat "$tmp/logs"/* >/dev/null

measure() { # name, round, command...
	local name="$1" round="$2"
	shift 2
	/usr/bin/time -v -o "$tmp/time-$name-$round.txt" "$@" >"$tmp/out-$name.txt" 2>"$tmp/err-$name.txt"
}
field() { # file, label
	grep -F "$2" "$1" | head -1 | awk -F': ' '{print $2}'
}
seconds() { # h:mm:ss or m:ss.ss -> seconds
	awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }' <<<"$1"
}

rounds="${ROUNDS:-3}"
floors=()
[[ "${FLOOR:-1}" != 0 ]] && floors=(lines fields parse)
for round in $(seq "$rounds"); do
	measure grep "$round" grep -c '' "$tmp/logs"/*
	for mode in "${floors[@]}"; do
		measure "$mode" "$round" "$tmp/trackingfloor" -mode "$mode" "$tmp/logs"
	done
	rc=0
	measure dgaudit "$round" "$tmp/dgaudit" trace "$tmp/logs" --fail-on none -o "$tmp/trace.json" || rc=$?
	if [[ $rc -ne 0 ]]; then
		echo "dgaudit trace failed (exit $rc):" >&2
		cat "$tmp/err-dgaudit.txt" >&2
		exit 1
	fi
done
# Each tool's median round by wall time becomes its time-NAME.txt.
for name in grep "${floors[@]}" dgaudit; do
	for f in "$tmp/time-$name"-*.txt; do
		echo "$(seconds "$(field "$f" "Elapsed (wall clock) time")") $f"
	done | sort -n | awk -v m=$(((rounds + 1) / 2)) 'NR == m {print $2}' | xargs -I{} cp {} "$tmp/time-$name.txt"
	echo "$name wall times over $rounds rounds: $(for f in "$tmp/time-$name"-*.txt; do seconds "$(field "$f" "Elapsed (wall clock) time")"; done | sort -n | tr '\n' ' ')" >&2
done

lines=$(awk -F: '{s += $NF} END {print s}' "$tmp/out-grep.txt")
printf '\nmedian round of each:\n%-8s %10s %10s %10s %12s %12s %10s\n' tool wall_s cpu_s MB/s_wall peak_RSS_MB lines vs_grep >&2
for name in grep "${floors[@]}" dgaudit; do
	f="$tmp/time-$name.txt"
	wall=$(seconds "$(field "$f" "Elapsed (wall clock) time")")
	cpu=$(awk -v u="$(field "$f" "User time")" -v s="$(field "$f" "System time")" 'BEGIN {print u + s}')
	rss=$(field "$f" "Maximum resident set size")
	mbps=$(awk -v b="$bytes" -v w="$wall" 'BEGIN {printf "%.0f", (w > 0 ? b / w / 1048576 : 0)}')
	[[ $name == grep ]] && wall_grep=$wall
	printf '%-8s %10.2f %10.2f %10s %12.1f %12s %10s\n' "$name" "$wall" "$cpu" "$mbps" "$(awk -v r="$rss" 'BEGIN {print r / 1024}')" "$lines" \
		"$(awk -v g="$wall_grep" -v w="$wall" 'BEGIN {printf "%.2f", (w > 0 ? g / w : 0)}')" >&2
	eval "wall_$name=$wall; cpu_$name=$cpu; rss_$name=$rss"
done
awk -v gw="$wall_grep" -v dw="$wall_dgaudit" -v gc="$cpu_grep" -v dc="$cpu_dgaudit" -v r="$rss_dgaudit" 'BEGIN {
	printf "\ndgaudit speed relative to grep: %.2f (wall), %.2f (CPU); target >= 0.33\n", (dw > 0 ? gw / dw : 0), (dc > 0 ? gc / dc : 0)
	printf "dgaudit peak RSS: %.0f MB; target < 300 MB\n", r / 1024
}' >&2
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
echo >&2
grep -E '^(dgaudit: read|loops|  (CRITICAL|HIGH))' "$tmp/err-dgaudit.txt" >&2 || true
