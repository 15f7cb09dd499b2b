package synthetic

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"dgaudit/directory"
)

// Domains of the synthetic organization. All are under the reserved .example
// top-level domain except the coexistence domain, which has to look like one.
const (
	Domain            = "corp.example"
	RegionalDomain    = "emea.corp.example"
	RelayDomain       = "sub.corp.example"
	CoexistenceDomain = "synthetic-corp.mail.onmicrosoft.com"
)

// MembershipsPerGroup is the average number of direct member references
// per group that Generate aims for.
const MembershipsPerGroup = 10

// CollectedAt is the fixed collection time of every generated snapshot.
var CollectedAt = time.Date(2025, time.January, 6, 8, 0, 0, 0, time.UTC)

// Shape parameters. They are fractions of objects unless said otherwise.
const (
	usersPerGroup    = 3
	contactsPerGroup = 0.5

	// Group size tiers: a handful of groups with thousands of members, a
	// few percent with tens to hundreds, the rest with 2 to 20.
	bigShare    = 0.0005
	bigMin      = 1000
	bigMax      = 5000
	mediumShare = 0.03
	mediumMin   = 21
	mediumMax   = 300
	smallMin    = 2
	smallMax    = 20

	// Nesting: groups sit on one of four levels and contain only groups on
	// deeper levels, which keeps the hierarchy shallow and acyclic; cycles
	// are then added on purpose. Only levels 0-2 contain groups, so their
	// nesting probability is twice the overall target of 10%.
	nestShare   = 0.24
	maxChildren = 40

	contactShare = 0.1 // of leaf memberships
)

// levelShares are the fractions of groups on levels 0 (top) to 3 (leaf).
var levelShares = [4]float64{0.05, 0.15, 0.30, 0.50}

// gen holds the generator state. All randomness comes from one PCG stream
// seeded from the caller's seed, drawn in a fixed order, so output depends on
// (groups, seed) only. PCG is specified by math/rand/v2 and does not change
// between Go releases.
type gen struct {
	rng *rand.Rand

	snap     *directory.Snapshot
	groupIDs []string
	level    []int8
	nestable []bool   // may be a nested member (mail-enabled, not M365)
	pools    [4][]int // nestable group indexes by level
	// stamp/seen detect duplicate members within one group without
	// clearing a set per group: seen[x] == stamp means x is already in.
	stamp int32
	seen  []int32
}

// Generate builds a snapshot with the given number of groups, about three
// users and half a contact per group, and about MembershipsPerGroup direct
// memberships per group. The same arguments always give the same snapshot.
func Generate(groups int, seed int64) *directory.Snapshot {
	groups = max(groups, 0)
	g := &gen{
		rng: rand.New(rand.NewPCG(uint64(seed), 0x5ca1ab1e_d15ea5e5)),
		snap: &directory.Snapshot{
			SchemaVersion: directory.SchemaVersion,
			Source:        fmt.Sprintf("synthetic:groups=%d,seed=%d", groups, seed),
			CollectedAt:   CollectedAt,
			Collector:     "dgaudit synthetic generator",
			Org:           organization(),
		},
	}
	nUsers := groups * usersPerGroup
	nContacts := int(float64(groups) * contactsPerGroup)
	g.seen = make([]int32, groups+nUsers+nContacts)

	g.users(nUsers)
	g.contacts(nContacts, groups)
	members := g.groups(groups)

	cov := &g.snap.Coverage
	const from = "synthetic"
	cov.AddRead(directory.CoverGroups, len(g.snap.Groups), from)
	cov.AddRead(directory.CoverUsers, len(g.snap.Users), from)
	cov.AddRead(directory.CoverContacts, len(g.snap.Contacts), from)
	cov.AddRead(directory.CoverGroupMembers, members, from)
	cov.AddRead(directory.CoverAcceptedDomains, len(g.snap.Org.AcceptedDomains), from)
	cov.AddRead(directory.CoverRemoteDomains, len(g.snap.Org.RemoteDomains), from)
	g.snap.Normalize()
	return g.snap
}

func organization() directory.Organization {
	return directory.Organization{
		Name: "Synthetic Corp",
		AcceptedDomains: []directory.AcceptedDomain{
			{Domain: Domain, Type: directory.Authoritative, Default: true},
			{Domain: RegionalDomain, Type: directory.Authoritative},
			{Domain: RelayDomain, Type: directory.InternalRelay},
			{Domain: CoexistenceDomain, Type: directory.Authoritative, Coexistence: true},
		},
		RemoteDomains: []directory.RemoteDomain{
			{Name: "Default", DomainPattern: "*", AllowedOOFType: directory.OOFExternal, AutoReplyEnabled: directory.True},
			{Name: "Partner 1", DomainPattern: "partner1.example", AllowedOOFType: directory.OOFExternalLegacy, AutoForwardEnabled: directory.True},
			{Name: "Partner 2", DomainPattern: "*.partner2.example", AllowedOOFType: directory.OOFNone},
			{Name: "Subsidiary", DomainPattern: "subsidiary.example", IsInternal: directory.True},
		},
	}
}

// guid draws a version-4-shaped GUID from the generator's stream.
func (g *gen) guid() string {
	var b [16]byte
	hi, lo := g.rng.Uint64(), g.rng.Uint64()
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// chance returns true with probability p.
func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

// tri draws a tri-state value: true with probability pTrue, false with
// probability pFalse, else unset (the attribute absent).
func (g *gen) tri(pTrue, pFalse float64) directory.Tri {
	switch r := g.rng.Float64(); {
	case r < pTrue:
		return directory.True
	case r < pTrue+pFalse:
		return directory.False
	}
	return directory.Unset
}

// logUniform draws an integer in [lo, hi] with a log-uniform distribution,
// the usual shape of "a few big, many bigger still rarer".
func (g *gen) logUniform(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	v := math.Exp(math.Log(float64(lo)) + g.rng.Float64()*(math.Log(float64(hi+1))-math.Log(float64(lo))))
	return min(max(int(v), lo), hi)
}

func (g *gen) users(n int) {
	users := make([]directory.User, n)
	for i := range users {
		first := firstNames[g.rng.IntN(len(firstNames))]
		last := lastNames[g.rng.IntN(len(lastNames))]
		site := sites[g.rng.IntN(len(sites))]
		local := strings.ToLower(first) + "." + strings.ToLower(last) + strconv.Itoa(i)
		domain := Domain
		switch r := g.rng.Float64(); {
		case r < 0.05:
			domain = RelayDomain
		case r < 0.20:
			domain = RegionalDomain
		}
		name := first + " " + last + " " + strconv.Itoa(i)
		u := directory.User{
			Recipient: directory.Recipient{
				ID:   g.guid(),
				DN:   "CN=" + name + ",OU=Users,OU=" + site + ",DC=corp,DC=example",
				Name: name,
				Mail: local + "@" + domain,
			},
			Kind:     directory.Mailbox,
			Disabled: g.chance(0.01),
		}
		u.ProxyAddresses = []string{"SMTP:" + u.Mail}
		switch r := g.rng.Float64(); {
		case r < 0.02:
			// Hybrid: moved to Exchange Online, routed via the coexistence domain.
			u.Kind = directory.RemoteMailbox
			u.ExternalAddress = local + "@" + CoexistenceDomain
		case r < 0.03:
			// A contractor's mail user, routed to the contractor's own mailbox.
			u.Kind = directory.MailUser
			u.ExternalAddress = local + "@" + g.externalDomain()
		case r < 0.035:
			u.Kind = directory.Guest
			u.DN = ""
			u.Mail = local + "@" + g.externalDomain()
			u.ProxyAddresses = []string{"SMTP:" + u.Mail}
		}
		users[i] = u
	}
	g.snap.Users = users
}

// externalDomain picks an outside domain; popularity is skewed so that a few
// partners account for most contacts.
func (g *gen) externalDomain() string {
	n := g.logUniform(1, 500)
	return "partner" + strconv.Itoa(n) + ".example"
}

func (g *gen) contacts(n, groups int) {
	contacts := make([]directory.Contact, n)
	for i := range contacts {
		first := firstNames[g.rng.IntN(len(firstNames))]
		last := lastNames[g.rng.IntN(len(lastNames))]
		name := first + " " + last + " (contact " + strconv.Itoa(i) + ")"
		local := strings.ToLower(first) + "." + strings.ToLower(last)
		var mail, target string
		switch r := g.rng.Float64(); {
		case r < 0.12 && groups > 0:
			// A forwarding contact to another group's address: hidden
			// nesting, the kind of internal routing contacts that exist.
			mail = "fwd-" + strconv.Itoa(i) + "@" + Domain
			target = groupAlias(g.rng.IntN(groups)) + "@" + Domain
		case r < 0.15:
			mail = "fwd-" + strconv.Itoa(i) + "@" + Domain
			target = local + strconv.Itoa(i) + "@" + RelayDomain
		case r < 0.18:
			// External lists: all-staff@, members-l@ and the like.
			target = listLocals[g.rng.IntN(len(listLocals))] + "@" + g.externalDomain()
			mail = target
		default:
			target = local + "@" + g.externalDomain()
			mail = target
		}
		contacts[i] = directory.Contact{Recipient: directory.Recipient{
			ID:              g.guid(),
			DN:              "CN=" + name + ",OU=Contacts,DC=corp,DC=example",
			Name:            name,
			Mail:            mail,
			ProxyAddresses:  []string{"SMTP:" + mail},
			ExternalAddress: target,
		}}
	}
	g.snap.Contacts = contacts
}

// groupAlias is the local part of group i's primary address.
func groupAlias(i int) string { return "grp" + strconv.Itoa(i) }

// sizes draws every group's member count: tier quotas are fixed counts, not
// per-group coin flips, so small snapshots still get their big groups and the
// total stays near MembershipsPerGroup*n. The small tier's mean is solved for
// whatever the other tiers left of that total.
func (g *gen) sizes(n int) []int {
	sizes := make([]int, n)
	if n == 0 {
		return sizes
	}
	target := MembershipsPerGroup * n
	nBig := int(math.Round(float64(n) * bigShare))
	if n >= 100 {
		nBig = max(nBig, 1)
	}
	nMedium := int(math.Round(float64(n) * mediumShare))
	order := g.rng.Perm(n)
	used := 0
	for k := range nBig {
		// Cap big groups so that one of them cannot dominate a small
		// snapshot's membership total.
		s := min(g.logUniform(bigMin, bigMax), max(target/8, mediumMax))
		sizes[order[k]] = s
		used += s
	}
	for k := nBig; k < nBig+nMedium && k < n; k++ {
		s := g.logUniform(mediumMin, mediumMax)
		sizes[order[k]] = s
		used += s
	}
	nSmall := n - nBig - nMedium
	if nSmall <= 0 {
		return sizes
	}
	mean := float64(target-used) / float64(nSmall)
	mean = min(max(mean, smallMin+0.5), smallMax-1)
	// 2 + a geometric variable: most groups are small, a tail reaches 20.
	p := 1 / (mean - smallMin + 1)
	for k := nBig + nMedium; k < n; k++ {
		extra := int(math.Log(1-g.rng.Float64()) / math.Log(1-p))
		sizes[order[k]] = min(smallMin+extra, smallMax)
	}
	return sizes
}

func (g *gen) groups(n int) int {
	sizes := g.sizes(n)
	groups := make([]directory.Group, n)
	g.groupIDs = make([]string, n)
	g.level = make([]int8, n)
	g.nestable = make([]bool, n)
	for i := range groups {
		g.groupIDs[i] = g.guid()
	}

	// Kinds and levels first: nesting needs to know who may be nested.
	for i := range groups {
		grp := &groups[i]
		grp.ID = g.groupIDs[i]
		r := g.rng.Float64()
		lvl := 3
		for l, acc := 0, 0.0; l < 4; l++ {
			acc += levelShares[l]
			if r < acc {
				lvl = l
				break
			}
		}
		g.level[i] = int8(lvl)
		switch r := g.rng.Float64(); {
		case r < 0.80:
			grp.Kind = directory.Distribution
		case r < 0.92:
			grp.Kind = directory.MailSecurity
		case r < 0.97:
			// Microsoft 365 groups cannot contain or be members of other
			// groups.
			grp.Kind = directory.Microsoft365
		default:
			grp.Kind = directory.Dynamic
		}
		dept := departments[g.rng.IntN(len(departments))]
		topic := topics[g.rng.IntN(len(topics))]
		grp.Name = dept + " " + topic + " " + strconv.Itoa(i)
		if g.chance(0.005) {
			// A security group that is not mail-enabled: not a recipient.
			grp.Kind = directory.MailSecurity
		} else {
			grp.Mail = groupAlias(i) + "@" + Domain
			grp.ProxyAddresses = []string{"SMTP:" + grp.Mail, "smtp:" + groupAlias(i) + "@" + CoexistenceDomain}
		}
		if grp.Kind != directory.Microsoft365 {
			grp.DN = "CN=" + grp.Name + ",OU=Groups,OU=" + sites[g.rng.IntN(len(sites))] + ",DC=corp,DC=example"
		}
		g.nestable[i] = grp.Mail != "" && grp.Kind != directory.Microsoft365
		if g.nestable[i] {
			g.pools[lvl] = append(g.pools[lvl], i)
		}
	}

	nUsers, nContacts := len(g.snap.Users), len(g.snap.Contacts)
	members := 0
	for i := range groups {
		grp := &groups[i]
		g.settings(grp, n)
		size := sizes[i]
		grp.Members = make([]string, 0, size)
		g.stamp++
		g.seen[i] = g.stamp // a group is not its own member (cycles come later)
		children := 0
		canNest := g.level[i] < 3 && grp.Kind != directory.Microsoft365
		for range size {
			if canNest && children < maxChildren && g.chance(nestShare) {
				if c, ok := g.pickChild(int(g.level[i])); ok && g.seen[c] != g.stamp {
					g.seen[c] = g.stamp
					grp.Members = append(grp.Members, g.groupIDs[c])
					children++
					continue
				}
			}
			// A leaf; retry a few times on a duplicate rather than loop.
			for range 4 {
				var x int
				var id string
				if nContacts > 0 && g.chance(contactShare) {
					c := g.rng.IntN(nContacts)
					x, id = n+nUsers+c, g.snap.Contacts[c].ID
				} else if nUsers > 0 {
					u := g.rng.IntN(nUsers)
					x, id = n+u, g.snap.Users[u].ID
				} else {
					break
				}
				if g.seen[x] != g.stamp {
					g.seen[x] = g.stamp
					grp.Members = append(grp.Members, id)
					break
				}
			}
		}
		if grp.Kind == directory.Dynamic {
			grp.DynamicFilter = "(&(objectClass=user)(department=" + strings.SplitN(grp.Name, " ", 2)[0] + ")(mailNickname=*))"
			grp.DynamicBaseDN = "DC=corp,DC=example"
			if g.chance(0.3) {
				// The collector could not evaluate this group's filter.
				grp.MembersUnknown = true
				grp.Members = []string{}
			}
		}
		members += len(grp.Members)
	}
	members += g.cycles(groups)
	g.snap.Groups = groups
	return members
}

// pickChild picks a nestable group on a deeper level than lvl, usually the
// next one down.
func (g *gen) pickChild(lvl int) (int, bool) {
	target := lvl + 1
	if target < 3 && g.chance(0.3) {
		target += 1 + g.rng.IntN(3-target)
	}
	pool := g.pools[target]
	if len(pool) == 0 {
		return 0, false
	}
	return pool[g.rng.IntN(len(pool))], true
}

// cycles closes a few membership cycles, about one per 5,000 groups and at
// least one: for a path a -> b -> c it adds a to c's members (or a to b's when
// b has no nested group), the mistake that creates cycles in practice.
func (g *gen) cycles(groups []directory.Group) int {
	if len(groups) == 0 {
		return 0
	}
	index := make(map[string]int, len(groups))
	for i, id := range g.groupIDs {
		index[id] = i
	}
	childOf := func(i int) (int, bool) {
		var kids []int
		for _, m := range groups[i].Members {
			if c, ok := index[m]; ok {
				kids = append(kids, c)
			}
		}
		if len(kids) == 0 {
			return 0, false
		}
		return kids[g.rng.IntN(len(kids))], true
	}
	want := max(1, len(groups)/5000)
	added := 0
	for try := 0; try < 1000*want && added < want; try++ {
		a := g.rng.IntN(len(groups))
		if groups[a].MembersUnknown || !g.nestable[a] {
			continue
		}
		b, ok := childOf(a)
		if !ok || groups[b].MembersUnknown {
			continue
		}
		closer := b
		if c, ok := childOf(b); ok && !groups[c].MembersUnknown {
			closer = c
		}
		if slices.Contains(groups[closer].Members, g.groupIDs[a]) {
			continue
		}
		groups[closer].Members = append(groups[closer].Members, g.groupIDs[a])
		added++
	}
	return added
}

// settings draws a group's delivery settings. The mix is that of an
// organization with old and new groups: most require authentication and
// report to the originator (what current Exchange stores at creation), a
// sizeable minority have the attributes absent (mail-enabled by older tools),
// and a few have each of the risky or unusual values.
func (g *gen) settings(grp *directory.Group, groups int) {
	grp.RequireSenderAuth = g.tri(0.55, 0.15)
	grp.ReportToOriginator = g.tri(0.50, 0.20)
	grp.ReportToManager = g.tri(0.10, 0.40)
	grp.OOFToOriginator = g.tri(0.05, 0.45)
	grp.Moderation = g.tri(0.02, 0.20)
	grp.HiddenFromGAL = g.chance(0.05)
	users := g.snap.Users
	if len(users) == 0 {
		return
	}
	user := func() string { return users[g.rng.IntN(len(users))].ID }
	if grp.Moderation == directory.True {
		grp.ModeratedBy = []string{user()}
	}
	if g.chance(0.03) {
		for range 1 + g.rng.IntN(3) {
			grp.AcceptOnlyFrom = append(grp.AcceptOnlyFrom, user())
		}
	}
	if g.chance(0.01) {
		grp.AcceptOnlyFromMembersOf = []string{g.groupIDs[g.rng.IntN(groups)]}
	}
	if g.chance(0.01) {
		grp.RejectFrom = []string{user()}
	}
	switch r := g.rng.Float64(); {
	case r < 0.85:
		grp.ManagedBy = []string{user()}
		if g.chance(0.2) {
			grp.ManagedBy = append(grp.ManagedBy, user())
		}
	case r < 0.90:
		// A group as first owner (manager-is-group when reports go there).
		grp.ManagedBy = []string{g.groupIDs[g.rng.IntN(groups)], user()}
	}
}
