package mailflow

import "time"

// A group's ordinary posts are what a reporter's reports answer, when they
// are no rounds of a loop (rounds.go). A root's rootAgg holds its posts once a report of it has
// been read; posts read before any (in time order the post always comes
// before its answer) wait here, in a table bounded like the other recent
// tables, until the root's first report takes them. Most posts are never
// answered, and are overwritten as the table turns over.
//
// heldPosts is the latest heldPerRoot slots of one group's posts of one
// root, sorted (two posts in one slot twice): the ones just before the
// first report, which it may answer. A fixed array, so that holding the
// posts of every ordinary expansion allocates nothing.
type heldPosts struct {
	n  uint8
	at [heldPerRoot]int64
}

// heldPerRoot bounds the posts of one root held before its first report.
// Read in time order, the latest of them are the ones its first answers
// answer; read newest first, answers come first and the rootAgg takes the
// posts. Logs read one after another (one server's export, then
// another's) may hold more that matter.
const heldPerRoot = 8

func (h *heldPosts) add(slot int64) {
	i := 0
	for i < int(h.n) && h.at[i] <= slot {
		i++
	}
	if h.n < heldPerRoot {
		copy(h.at[i+1:h.n+1], h.at[i:h.n])
		h.at[i] = slot
		h.n++
		return
	}
	if i == 0 {
		return // earlier than all it holds
	}
	// Full: the earliest gives way.
	copy(h.at[:i-1], h.at[1:i])
	h.at[i-1] = slot
}

// postKey is the held table's key for a group's root subject.
func postKey(g *groupAgg, root uint64) uint64 {
	return root*1099511628211 ^ g.addrHash
}

// post records an ordinary post of g with the root subject (its hash) at t.
func (a *Analyzer) post(g *groupAgg, root uint64, t time.Time) {
	if t.IsZero() {
		// No slot to put it in.
		return
	}
	slot := t.Unix() / a.roundSpacing
	if ra := g.roots[root]; ra != nil {
		ra.addPost(slot)
		return
	}
	if a.posts == nil {
		// A quarter of Window: only posts read before their answers wait
		// here, and each slot is ten times a message ID's.
		a.posts = newRecent[heldPosts](max(a.cfg.Window/4, 1))
	}
	p, _ := a.posts.slot(postKey(g, root))
	p.add(slot)
}

// takePosts gives a root's new rootAgg the posts held for it.
func (a *Analyzer) takePosts(g *groupAgg, root uint64, ra *rootAgg) {
	if a.posts == nil {
		return
	}
	if p, ok := a.posts.take(postKey(g, root)); ok {
		for _, s := range p.at[:p.n] {
			ra.addPost(s)
		}
	}
}
