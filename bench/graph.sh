#!/usr/bin/env bash
# Reads an emulated Microsoft 365 tenant of 5,000 mail-enabled groups
# averaging 50 members through the Graph source (real SDK core and
# azidentity client-secret sign-in against directory/graph/graphtest), once
# clean and once with every tenth request and every tenth batch item answered
# 429 (Retry-After: 1). Prints the HTTP requests made against the naive plan
# (one listing plus one members call per group, with their pages), the wall
# time and the process's peak RSS (which includes the in-process emulator).
# The issue's target is a ratio of at most 0.1; the throttled run must give
# the same result (the benchmark fails otherwise).
#
# Usage: bench/graph.sh        (run from anywhere in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench 'BenchmarkTenant5000' -benchtime 1x -v ./directory/graph/ |
	grep -E 'tenant:|Benchmark|^ok|FAIL'
