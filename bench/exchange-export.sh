#!/usr/bin/env bash
# Times `dgaudit collect --exchange-export` on synthetic Exchange exports of
# 10,000 and 100,000 groups (about 100,000 and 1,000,000 member rows) and
# prints wall time and peak resident memory per size and format.
#
# Usage: bench/exchange-export.sh [SEED] [FORMAT...]   (default: 1 json csv)
set -euo pipefail

seed="${1:-1}"
shift || true
formats=("${@:-json}")
[[ $# -eq 0 ]] && formats=(json csv)
sizes=(10000 100000)
cd "$(dirname "$0")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh
need_gnu_time

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/dgaudit" ./cmd/dgaudit
go build -o "$tmp/genexport" ./bench/genexport

printf '%-8s %-6s %10s %10s %12s\n' groups format size wall_s peak_rss_mb
for f in "${formats[@]}"; do
	for n in "${sizes[@]}"; do
		dir="$tmp/export-$n-$f"
		"$tmp/genexport" -groups "$n" -seed "$seed" -format "$f" -o "$dir" 2>/dev/null
		rc=0
		/usr/bin/time -v -o "$tmp/time.txt" "$tmp/dgaudit" collect --exchange-export "$dir" -o "$tmp/snap.json" \
			2>"$tmp/stderr.txt" || rc=$?
		# 4: the synthetic organization has dynamic groups whose members are not exported.
		if [[ $rc -ne 0 && $rc -ne 4 ]]; then
			echo "dgaudit collect failed for $n groups ($f, exit $rc):" >&2
			tail -5 "$tmp/stderr.txt" >&2
			exit 1
		fi
		wall="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tmp/time.txt")"
		rss="$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tmp/time.txt")"
		printf '%-8s %-6s %10s %10s %12s\n' "$n" "$f" "$(du -sh "$dir" | cut -f1)" "$wall" "$rss"
		rm -rf "$dir"
	done
done
