// Package synthetic generates large directory snapshots of a realistic shape
// for benchmarks and scale tests: Generate(groups, seed) gives the same
// snapshot for the same arguments, with about ten memberships per group.
//
// The shape follows what real Exchange organizations look like rather than
// uniform randomness, because the engine's cost depends on it: group sizes
// are skewed (most groups have 2 to 20 members, a few percent have hundreds,
// a handful thousands), about a tenth of memberships are nested groups in a
// shallow hierarchy with a few cycles, members are mostly mailboxes with some
// contacts (most of them external), and settings mix stored values with
// absent attributes the way old and new groups do. Every member reference
// resolves, so counts are exact.
//
// The output is data, not a test oracle: use package demo for a snapshot
// whose findings are known.
package synthetic
