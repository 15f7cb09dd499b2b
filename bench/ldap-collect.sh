#!/usr/bin/env bash
# Compares `dgaudit collect` from a real Active Directory (the Samba AD DC of
# directory/ldap/sambatest) with `ldapsearch` dumping the same objects and
# attributes with paging, on a large fixture: wall time and peak RSS
# (/usr/bin/time -v), side by side, alternating, several rounds.
#
# The fixture is loaded with ldapadd from generated LDIF (contacts, then
# mail-enabled distribution groups whose members are those contacts), over
# LDAPS, with several ldapadd processes in parallel; the load time is
# printed.
#
# The test fixture organization (sambaserve -fixture: the scenario groups,
# 3,000 bulk contacts, the Exchange configuration) is loaded first.
#
# Usage: bench/ldap-collect.sh      (run from anywhere in the repository, as root)
# Environment: BENCH_CONTACTS (16000), BENCH_GROUPS (4000), BENCH_MEMBERS per group (25),
#   BENCH_ROUNDS (3), BENCH_PAGE (1000), BENCH_LOADERS (parallel ldapadd, 4),
#   DGAUDIT_SAMBA_ADDR (loopback address for Samba, 127.0.0.12),
#   BENCH_KEEP=1 (leave the loaded server running afterwards).
# Needs samba (see directory/ldap/sambatest), ldap-utils and GNU time.
set -euo pipefail

contacts="${BENCH_CONTACTS:-16000}"
groups="${BENCH_GROUPS:-4000}"
members="${BENCH_MEMBERS:-25}"
rounds="${BENCH_ROUNDS:-3}"
page="${BENCH_PAGE:-1000}"
loaders="${BENCH_LOADERS:-4}"
addr="${DGAUDIT_SAMBA_ADDR:-127.0.0.12}"
cd "$(dirname "$0")/.."

for tool in ldapadd ldapsearch /usr/bin/time samba; do
	command -v "$tool" >/dev/null || { echo "ldap-collect.sh: $tool not found (packages: ldap-utils, time, samba)" >&2; exit 1; }
done
if ((members > contacts)); then
	echo "ldap-collect.sh: BENCH_MEMBERS ($members) exceeds BENCH_CONTACTS ($contacts)" >&2
	exit 2
fi

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
	# Closing the pipe stops sambaserve, which kills samba's process group.
	exec 3>&- 2>/dev/null || true
	[[ -n "$server_pid" ]] && wait "$server_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/dgaudit" ./cmd/dgaudit
go build -o "$tmp/sambaserve" ./bench/sambaserve

echo "starting Samba AD DC on $addr" >&2
mkfifo "$tmp/hold"
"$tmp/sambaserve" -addr "$addr" -fixture <"$tmp/hold" >"$tmp/samba.env" 2>"$tmp/samba.log" &
server_pid=$!
exec 3>"$tmp/hold"
until grep -q '^SAMBA_ADMIN=' "$tmp/samba.env" 2>/dev/null; do
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "sambaserve failed:" >&2
		cat "$tmp/samba.log" >&2
		exit 1
	fi
	sleep 1
done
# shellcheck disable=SC1091
source "$tmp/samba.env"
export LDAPTLS_CACERT="$SAMBA_CA"
url="ldaps://$SAMBA_ADDR"
printf '%s' 'Dgaudit-Test-Passw0rd' >"$tmp/pw" # sambatest.Password: a throwaway test domain
chmod 600 "$tmp/pw"
auth=(-H "$url" -x -D "$SAMBA_ADMIN" -y "$tmp/pw")

# --- fixture -------------------------------------------------------------
# Loader i gets every LOADERS-th entry, so the files are even.
awk -v n="$contacts" -v g="$groups" -v m="$members" -v p="$loaders" -v base="$SAMBA_BASE" -v dir="$tmp" 'BEGIN {
	print "dn: OU=Bench," base "\nobjectClass: organizationalUnit\n" > (dir "/ou.ldif")
	for (i = 0; i < n; i++) {
		f = dir "/contacts-" (i % p) ".ldif"
		printf "dn: CN=BC %06d,OU=Bench,%s\nobjectClass: contact\ntargetAddress: SMTP:bc%06d@ext%02d.example\nmailNickname: bc%06d\n\n", i, base, i, i % 50, i > f
	}
	for (j = 0; j < g; j++) {
		f = dir "/groups-" (j % p) ".ldif"
		printf "dn: CN=BG %05d,OU=Bench,%s\nobjectClass: group\ngroupType: 8\nmail: bg%05d@corp.example.test\nmailNickname: bg%05d\n", j, base, j, j > f
		if (j % 3 == 0) printf "msExchRequireAuthToSendTo: FALSE\nreportToOriginator: TRUE\n" > f
		else printf "msExchRequireAuthToSendTo: TRUE\n" > f
		# Members: a window over the contacts, shifted per group.
		for (k = 0; k < m; k++) printf "member: CN=BC %06d,OU=Bench,%s\n", (j * 7 + k * 131) % n, base > f
		printf "\n" > f
	}
}'
load() { # load FILE...: parallel ldapadd, one per file
	local pids=() f
	for f in "$@"; do
		ldapadd "${auth[@]}" -f "$f" >/dev/null &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid"; done
}
echo "loading $contacts contacts and $groups groups x $members members ($((groups * members)) memberships) with $loaders parallel ldapadd" >&2
t0=$(date +%s.%N)
ldapadd "${auth[@]}" -f "$tmp/ou.ldif" >/dev/null
load "$tmp"/contacts-*.ldif
t1=$(date +%s.%N)
load "$tmp"/groups-*.ldif
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$contacts" -v g="$groups" 'BEGIN {
	printf "fixture loaded: contacts %.1fs (%.0f/s), groups %.1fs (%.0f/s), total %.1fs\n", b - a, n / (b - a), c - b, g / (c - b), c - a }'

# --- measure -------------------------------------------------------------
# ldapsearch asks for what dgaudit's main scan asks for: the recipient
# filter and attribute list of directory/ldap (the OR of recipients.go
# recipientBranches, adattr.Attributes plus member), whole subtree of the
# domain, same page size. dgaudit runs the branches as concurrent searches.
filter='(|(&(objectClass=group)(|(mailNickname=*)(proxyAddresses=*)(msExchRecipientTypeDetails=*)))(objectClass=msExchDynamicDistributionList)(&(objectClass=contact)(|(targetAddress=*)(mailNickname=*)(proxyAddresses=*)))(&(objectClass=user)(!(objectClass=computer))(|(mailNickname=*)(targetAddress=*)(homeMDB=*)(proxyAddresses=*)(msExchRecipientTypeDetails=*))))'
attrs=(objectClass objectGUID cn name displayName mail proxyAddresses mailNickname targetAddress
	groupType userAccountControl homeMDB msExchRecipientTypeDetails msExchHideFromAddressLists
	msExchRequireAuthToSendTo reportToOriginator reportToOwner oOFReplyToOriginator
	authOrig dLMemSubmitPerms unauthOrig dLMemRejectPerms msExchEnableModeration msExchModeratedByLink
	managedBy msExchCoManagedByLink msExchDynamicDLFilter msExchDynamicDLBaseDN member)

seconds() { # GNU time's "Elapsed (wall clock)" (h:mm:ss or m:ss.ss) in seconds
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$1"
}
kib() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
cpu() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"; }

run_ldapsearch() {
	/usr/bin/time -v -o "$tmp/time.txt" ldapsearch -LLL "${auth[@]}" -E "pr=$page/noprompt" -b "$SAMBA_BASE" \
		"$filter" "${attrs[@]}" >"$tmp/dump.ldif"
}
run_dgaudit() {
	DGAUDIT_LDAP_PASSWORD="$(cat "$tmp/pw")" /usr/bin/time -v -o "$tmp/time.txt" "$tmp/dgaudit" collect \
		--ldap-url "$url" --bind-dn "$SAMBA_ADMIN" --ca-file "$SAMBA_CA" --page-size "$page" \
		--log-level warn -o "$tmp/snap.json"
}

# One warm-up of each, so neither pays for a cold server cache.
run_ldapsearch
run_dgaudit
entries=$(grep -c '^dn: ' "$tmp/dump.ldif")
memberships=$(grep -c '^member: ' "$tmp/dump.ldif")
echo "ldapsearch returns $entries entries with $memberships member values" >&2

ls_wall=() dg_wall=() ls_rss=() dg_rss=() ls_cpu=() dg_cpu=()
for ((r = 1; r <= rounds; r++)); do
	run_ldapsearch
	ls_wall+=("$(seconds "$tmp/time.txt")") ls_rss+=("$(kib "$tmp/time.txt")") ls_cpu+=("$(cpu "$tmp/time.txt")")
	run_dgaudit
	dg_wall+=("$(seconds "$tmp/time.txt")") dg_rss+=("$(kib "$tmp/time.txt")") dg_cpu+=("$(cpu "$tmp/time.txt")")
	printf 'round %d: ldapsearch %6ss (cpu %5ss) %4d MiB   dgaudit collect %6ss (cpu %5ss) %4d MiB\n' "$r" \
		"${ls_wall[-1]}" "${ls_cpu[-1]}" $((ls_rss[-1] / 1024)) "${dg_wall[-1]}" "${dg_cpu[-1]}" $((dg_rss[-1] / 1024))
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
lw=$(median "${ls_wall[@]}") dw=$(median "${dg_wall[@]}")
lr=$(median "${ls_rss[@]}") dr=$(median "${dg_rss[@]}")
lc=$(median "${ls_cpu[@]}") dc=$(median "${dg_cpu[@]}")
awk -v lw="$lw" -v dw="$dw" -v lr="$lr" -v dr="$dr" -v lc="$lc" -v dc="$dc" -v e="$entries" -v m="$memberships" 'BEGIN {
	printf "median of the rounds, %d entries, %d memberships (client CPU is user+sys of the client only):\n", e, m
	printf "  ldapsearch -E pr:  wall %.2fs  client CPU %.2fs  peak RSS %d MiB\n", lw, lc, lr / 1024
	printf "  dgaudit collect:   wall %.2fs  client CPU %.2fs  peak RSS %d MiB\n", dw, dc, dr / 1024
	printf "  dgaudit / ldapsearch wall time: %.2fx (target <= 1.2x)\n", dw / lw }'

if [[ -n "${BENCH_KEEP:-}" ]]; then
	# Leave the loaded server up for manual runs; removing the file stops it.
	touch "$tmp/keep"
	echo "server kept: source $tmp/samba.env; password in $tmp/pw; rm $tmp/keep to stop it" >&2
	while [[ -e "$tmp/keep" ]]; do sleep 2; done
fi
