#!/usr/bin/env bash
# Times `dgaudit audit` on synthetic snapshots of 10,000 and 100,000 groups
# (about 100,000 and 1,000,000 memberships) and prints wall time and peak
# resident memory per size, and how each grows over the tenfold step. Linear
# scaling shows as ratios near 10 for time and below 10 for memory (a fixed
# part of memory does not grow).
#
# Usage: bench/audit.sh [SEED]      (run from anywhere in the repository)
set -euo pipefail

seed="${1:-1}"
sizes=(10000 100000)
cd "$(dirname "$0")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh
need_gnu_time

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/dgaudit" ./cmd/dgaudit
go build -o "$tmp/gensnapshot" ./bench/gensnapshot

declare -A wall rss
for n in "${sizes[@]}"; do
	snap="$tmp/synthetic-$n.json"
	"$tmp/gensnapshot" -groups "$n" -seed "$seed" -o "$snap"
	echo "snapshot: $(du -h "$snap" | cut -f1)" >&2
	rc=0
	# --fail-on none: findings are expected and are not a failure here.
	/usr/bin/time -v -o "$tmp/time-$n.txt" \
		"$tmp/dgaudit" audit --snapshot "$snap" --fail-on none \
		-o "$tmp/out-$n.json" -o "$tmp/out-$n.xlsx" 2>"$tmp/stderr-$n.txt" || rc=$?
	# 0 is success; 4 means the snapshot had gaps or unresolved membership
	# (the generator makes some dynamic groups unreadable on purpose).
	if [[ $rc -ne 0 && $rc -ne 4 ]]; then
		echo "dgaudit audit failed for $n groups (exit $rc):" >&2
		cat "$tmp/stderr-$n.txt" "$tmp/time-$n.txt" >&2
		exit 1
	fi
	# Elapsed is h:mm:ss or m:ss.ss; convert to seconds.
	wall[$n]="$(awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($2, p, ":"); s = 0
		for (i = 1; i <= n; i++) s = s * 60 + p[i]
		printf "%.2f", s }' "$tmp/time-$n.txt")"
	rss[$n]="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time-$n.txt")"
	printf '%7d groups: wall %6ss  peak RSS %7d MiB  (json %s, xlsx %s)\n' "$n" "${wall[$n]}" $((rss[$n] / 1024)) \
		"$(du -h "$tmp/out-$n.json" | cut -f1)" "$(du -h "$tmp/out-$n.xlsx" | cut -f1)"
done

small="${sizes[0]}" large="${sizes[1]}"
awk -v ws="${wall[$small]}" -v wl="${wall[$large]}" -v rs="${rss[$small]}" -v rl="${rss[$large]}" -v s="$small" -v l="$large" 'BEGIN {
	printf "%d -> %d groups (x%g): wall x%.1f, peak RSS x%.1f\n", s, l, l / s, (ws > 0 ? wl / ws : 0), rl / rs }'
