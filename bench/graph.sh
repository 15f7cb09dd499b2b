#!/usr/bin/env bash
# Microsoft 365 source at tenant scale: 5,000 mail-enabled groups averaging
# 50 members, served by the Graph emulator (directory/graph/graphtest) and
# read through the real SDK core and azidentity client-secret sign-in.
#
# 1. The Go benchmark BenchmarkTenant5000 counts the HTTP requests against the
#    naive plan (one listing plus one members call per group, with their
#    pages; the issue's target is a ratio of at most 0.1), clean and with
#    a tenth of the requests and batch items (drawn at random with a fixed
#    seed) answered 429 (Retry-After: 1), and
#    fails unless both reads equal the tenant.
# 2. The real dgaudit binary runs `collect --m365` against the emulator in
#    its own process, clean and throttled, for wall time and peak RSS; the
#    two snapshots must be identical apart from the collection time.
#
# Usage: bench/graph.sh        (run from anywhere in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== go benchmark (requests)"
go test -run '^$' -bench 'BenchmarkTenant5000' -benchtime 1x -v ./directory/graph/ |
	grep -E 'tenant:|Benchmark|^ok|FAIL'

if [[ ! -x /usr/bin/time ]]; then
	echo "GNU time is missing (apt package 'time'); skipping the binary run" >&2
	exit 0
fi
tmp="$(mktemp -d)"
emu_pid=""
cleanup() {
	[[ -n "$emu_pid" ]] && kill "$emu_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/dgaudit" ./cmd/dgaudit
go build -o "$tmp/graphemu" ./bench/graphemu

run() { # name throttle-fraction
	local name=$1 throttle=$2
	"$tmp/graphemu" -throttle "$throttle" -dir "$tmp" >"$tmp/emu-$name.out" &
	emu_pid=$!
	for _ in $(seq 100); do grep -q '^secret=' "$tmp/emu-$name.out" 2>/dev/null && break; sleep 0.2; done
	local url ca tenant client secret
	url=$(sed -n 's/^url=//p' "$tmp/emu-$name.out")
	ca=$(sed -n 's/^ca=//p' "$tmp/emu-$name.out")
	tenant=$(sed -n 's/^tenant=//p' "$tmp/emu-$name.out")
	client=$(sed -n 's/^client=//p' "$tmp/emu-$name.out")
	secret=$(sed -n 's/^secret=//p' "$tmp/emu-$name.out")
	local code=0
	AZURE_CLIENT_SECRET="$secret" /usr/bin/time -f '%e %M' -o "$tmp/time-$name" \
		"$tmp/dgaudit" collect --m365 --tenant "$tenant" --client-id "$client" \
		--graph-url "$url/v1.0" --authority-host "$url" --ca-file "$ca" \
		--log-level warn -o "$tmp/snap-$name.json" 2>"$tmp/err-$name" || code=$?
	kill "$emu_pid"
	wait "$emu_pid" || true
	emu_pid=""
	if [[ $code -ne 4 ]]; then # 4: completed, with the Exchange-only gaps
		echo "dgaudit exited $code:" >&2
		cat "$tmp/err-$name" >&2
		exit 1
	fi
	# GNU time adds a "Command exited with non-zero status" line first.
	read -r wall rss < <(tail -1 "$tmp/time-$name")
	local stats
	stats=$(tail -1 "$tmp/emu-$name.out")
	printf '%-10s wall %6ss  peak RSS %5d MiB  emulator %s\n' "$name" "$wall" "$((rss / 1024))" "$stats"
}

echo "== dgaudit collect --m365 (separate process)"
run clean 0
run throttled 0.1
# The emulators listen on different ports, which the coverage section names.
norm() { grep -v '"collectedAt"' "$1" | sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g'; }
if diff <(norm "$tmp/snap-clean.json") <(norm "$tmp/snap-throttled.json") >/dev/null; then
	echo "snapshots identical (apart from collectedAt and the emulator's port)"
else
	echo "snapshots differ between the clean and the throttled run" >&2
	exit 1
fi
