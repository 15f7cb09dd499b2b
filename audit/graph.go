package audit

import (
	"dgaudit/directory"
)

// graph is the membership graph over all groups, with integer indexes so that
// expansion touches slices, not maps. Groups are nodes 0..len(groups)-1;
// users and contacts are leaves.
type graph struct {
	groups      []directory.Group
	childGroups [][]int32
	leaves      [][]int32
	unresolved  [][]string
	// restricted marks groups that stop outside senders: authentication
	// required, moderated, or an accept-only-from list (Exchange checks these
	// for every group it expands, nested ones included). A group whose
	// settings were not read is not restricted but unread: it is not known
	// to stop anyone, and counting it as a stop would make the groups above
	// it look safe on no evidence.
	restricted []bool
	unread     []bool
	leafInfo   []leafInfo

	// scc is the strongly connected component of each group; cyclic marks
	// groups in a component of more than one group or with a self-loop.
	scc    []int32
	cyclic []bool
	// sccMembers lists the groups of each cyclic component.
	sccMembers map[int32][]int32

	// Scratch space reused for every expansion; stamps avoid clearing it.
	stamp     int32
	gSeen     []int32
	gParent   []int32
	gPathSeen []int32
	gOpenSeen []int32
	gPath     [][]int32
	lSeen     []int32
	lOpen     []int32
	// lGate is, for a leaf marked in lOpen, the first unread group on the
	// path an outside sender takes to it, or -1 when the path is all read.
	lGate []int32
	stack []int32
	gates []int32
	// everExternal marks leaves counted in any group's external list.
	everExternal []bool
}

type leafInfo struct {
	rec      *directory.Recipient
	kind     string
	domain   string
	external bool
}

func newGraph(snap *directory.Snapshot, env *Env) *graph {
	n := len(snap.Groups)
	g := &graph{
		groups:      snap.Groups,
		childGroups: make([][]int32, n),
		leaves:      make([][]int32, n),
		unresolved:  make([][]string, n),
		restricted:  make([]bool, n),
		unread:      make([]bool, n),
	}
	// Leaves are numbered users first, then contacts.
	g.leafInfo = make([]leafInfo, 0, len(snap.Users)+len(snap.Contacts))
	addLeaf := func(r *directory.Recipient, kind string) {
		g.leafInfo = append(g.leafInfo, leafInfo{rec: r, kind: kind, domain: directory.Domain(r.RoutingAddress())})
	}
	for i := range snap.Users {
		addLeaf(&snap.Users[i].Recipient, string(snap.Users[i].Kind))
	}
	for i := range snap.Contacts {
		addLeaf(&snap.Contacts[i].Recipient, "contact")
	}
	for i := range g.leafInfo {
		li := &g.leafInfo[i]
		switch li.kind {
		case string(directory.Mailbox):
			// Mailboxes are ours wherever their address points.
			li.external = false
		default:
			li.external = !env.IsInternalDomain(li.domain)
		}
	}
	for i := range snap.Groups {
		grp := &snap.Groups[i]
		// The stored values of an unread group are no evidence either way.
		g.unread[i] = grp.SettingsUnknown
		g.restricted[i] = !grp.SettingsUnknown && (grp.EffectiveRequireSenderAuth() || grp.EffectiveModeration() || grp.HasSenderAllowList())
		for _, m := range grp.Members {
			ref, ok := env.objects[m]
			switch {
			case !ok:
				g.unresolved[i] = append(g.unresolved[i], m)
			case ref.kind == KindUser:
				g.leaves[i] = append(g.leaves[i], ref.idx)
			case ref.kind == KindContact:
				g.leaves[i] = append(g.leaves[i], int32(len(snap.Users))+ref.idx)
			case snap.Groups[ref.idx].Mail == "" && snap.Groups[ref.idx].Kind != directory.Dynamic:
				// A group with no mail address is not a recipient: Exchange
				// does not expand it when it is nested in a mail group.
			default:
				g.childGroups[i] = append(g.childGroups[i], ref.idx)
			}
		}
	}
	g.gSeen = make([]int32, n)
	g.gParent = make([]int32, n)
	g.gPathSeen = make([]int32, n)
	g.gOpenSeen = make([]int32, n)
	g.gPath = make([][]int32, n)
	g.lSeen = make([]int32, len(g.leafInfo))
	g.lOpen = make([]int32, len(g.leafInfo))
	g.lGate = make([]int32, len(g.leafInfo))
	g.everExternal = make([]bool, len(g.leafInfo))
	g.findCycles()
	return g
}

// expansion is what expanding one group found.
type expansion struct {
	recipients   int
	nestedGroups int
	external     []ExternalRecipient
	externalDir  int
	reachable    int
	// incomplete lists groups in the closure (the root included) whose
	// membership is unknown or holds unresolved references.
	incomplete []int32
	// unreadGates lists nested groups whose settings were not read and
	// through which reachable counts external recipients that a read
	// could show to be shielded: the count depends on them.
	unreadGates []int32
	unresolved  []string
}

// expand walks everything below group root once. Each group and each leaf is
// visited at most once per root, so one expansion costs the size of the
// subgraph it reaches, and cycles end the walk rather than looping.
func (g *graph) expand(root int32) expansion {
	g.stamp++
	st := g.stamp
	var ex expansion
	g.gSeen[root] = st
	g.gParent[root] = -1
	stack := append(g.stack[:0], root)
	sawRestrictedBelow, sawUnreadBelow := false, false
	var extLeaves []int32
	var extHolder []int32
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if g.groups[cur].MembersUnknown || len(g.unresolved[cur]) > 0 {
			ex.incomplete = append(ex.incomplete, cur)
			if cur == root {
				ex.unresolved = g.unresolved[cur]
			}
		}
		for _, l := range g.leaves[cur] {
			if g.lSeen[l] == st {
				continue
			}
			g.lSeen[l] = st
			ex.recipients++
			if g.leafInfo[l].external {
				extLeaves = append(extLeaves, l)
				extHolder = append(extHolder, cur)
				if cur == root {
					ex.externalDir++
				}
			}
		}
		for _, c := range g.childGroups[cur] {
			if g.gSeen[c] == st {
				continue
			}
			g.gSeen[c] = st
			g.gParent[c] = cur
			ex.nestedGroups++
			sawRestrictedBelow = sawRestrictedBelow || g.restricted[c]
			sawUnreadBelow = sawUnreadBelow || g.unread[c]
			stack = append(stack, c)
		}
	}
	g.stack = stack

	if len(extLeaves) == 0 {
		return ex
	}
	// Which external recipients can an outside sender reach? Only matters
	// when the root itself lets outside senders in and something below it
	// does not, or was not read.
	rootRestricted := g.restricted[root]
	open := !rootRestricted && !sawRestrictedBelow && !sawUnreadBelow
	if !rootRestricted && !open {
		g.markOpen(root, st)
	}
	var gateSeen map[int32]bool
	ex.external = make([]ExternalRecipient, len(extLeaves))
	for i, l := range extLeaves {
		li := &g.leafInfo[l]
		g.everExternal[l] = true
		path := g.pathTo(extHolder[i], root, st)
		er := ExternalRecipient{
			ID: li.rec.ID, Name: li.rec.Name, Address: li.rec.RoutingAddress(),
			Domain: li.domain, Kind: li.kind, Via: g.names(path),
		}
		switch {
		case open:
			ex.reachable++
		case !rootRestricted && g.lOpen[l] == st:
			ex.reachable++
			if gate := g.lGate[l]; gate >= 0 && !gateSeen[gate] {
				if gateSeen == nil {
					gateSeen = map[int32]bool{}
				}
				gateSeen[gate] = true
				ex.unreadGates = append(ex.unreadGates, gate)
			}
		case rootRestricted:
			er.BlockedBy = g.groups[root].Name
		default:
			for _, p := range path {
				if g.restricted[p] {
					er.BlockedBy = g.groups[p].Name
					break
				}
			}
		}
		ex.external[i] = er
	}
	return ex
}

// markOpen marks the leaves an outside sender reaches from root: the walk
// does not enter groups that stop such senders. It enters unread groups,
// since they are not known to stop anyone, but only after everything reached
// through read groups alone, so that lGate names an unread group only for
// leaves no all-read path reaches.
func (g *graph) markOpen(root, st int32) {
	g.gOpenSeen[root] = st
	gates := g.gates[:0]
	g.walkOpen(root, -1, st, &gates)
	// A gate's walk can find further unread groups; they are entered at
	// once under the same gate, the first unread group on their path.
	for i := 0; i < len(gates); i++ {
		g.walkOpen(gates[i], gates[i], st, nil)
	}
	g.gates = gates
}

// walkOpen marks the leaves reachable from start without entering
// restricted groups or groups already walked, with gate as their lGate.
// With gates non-nil it stops at unread groups and appends them there.
func (g *graph) walkOpen(start, gate, st int32, gates *[]int32) {
	stack := append(g.stack[:0], start)
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, l := range g.leaves[cur] {
			if g.lOpen[l] != st {
				g.lOpen[l], g.lGate[l] = st, gate
			}
		}
		for _, c := range g.childGroups[cur] {
			if g.gOpenSeen[c] == st || g.restricted[c] {
				continue
			}
			g.gOpenSeen[c] = st
			if gates != nil && g.unread[c] {
				*gates = append(*gates, c)
				continue
			}
			stack = append(stack, c)
		}
	}
	g.stack = stack
}

// pathTo returns the nested groups from just below root down to holder
// (empty when holder is root), cached per holder for this expansion.
func (g *graph) pathTo(holder, root, st int32) []int32 {
	if holder == root {
		return nil
	}
	if g.gPathSeen[holder] == st {
		return g.gPath[holder]
	}
	var rev []int32
	for c := holder; c != root && c >= 0; c = g.gParent[c] {
		rev = append(rev, c)
	}
	path := make([]int32, len(rev))
	for i, c := range rev {
		path[len(rev)-1-i] = c
	}
	g.gPathSeen[holder] = st
	g.gPath[holder] = path
	return path
}

func (g *graph) names(path []int32) []string {
	if len(path) == 0 {
		return nil
	}
	out := make([]string, len(path))
	for i, p := range path {
		out[i] = g.groups[p].Name
	}
	return out
}

// findCycles runs Tarjan's algorithm (iteratively, so deep nesting cannot
// overflow the stack) over group-to-group edges: linear in groups + edges.
func (g *graph) findCycles() {
	n := len(g.groups)
	g.scc = make([]int32, n)
	g.cyclic = make([]bool, n)
	g.sccMembers = map[int32][]int32{}
	index := make([]int32, n)
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var next, comp int32
	var tstack []int32
	type frame struct{ v, edge int32 }
	var call []frame
	for s := range int32(n) {
		if index[s] >= 0 {
			continue
		}
		call = append(call[:0], frame{v: s})
		index[s], low[s] = next, next
		next++
		tstack = append(tstack, s)
		onStack[s] = true
		for len(call) > 0 {
			top := &call[len(call)-1]
			v := top.v
			if int(top.edge) < len(g.childGroups[v]) {
				w := g.childGroups[v][top.edge]
				top.edge++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					tstack = append(tstack, w)
					onStack[w] = true
					call = append(call, frame{v: w})
				} else if onStack[w] {
					low[v] = min(low[v], index[w])
				}
				continue
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] != index[v] {
				continue
			}
			var members []int32
			for {
				w := tstack[len(tstack)-1]
				tstack = tstack[:len(tstack)-1]
				onStack[w] = false
				g.scc[w] = comp
				members = append(members, w)
				if w == v {
					break
				}
			}
			selfLoop := false
			if len(members) == 1 {
				for _, c := range g.childGroups[v] {
					if c == v {
						selfLoop = true
					}
				}
			}
			if len(members) > 1 || selfLoop {
				for _, m := range members {
					g.cyclic[m] = true
				}
				g.sccMembers[comp] = members
			}
			comp++
		}
	}
}
