package mailflow

import "dgaudit/directory/tracking"

// On Exchange 2013 and later the Front End Transport service takes mail on
// port 25 and proxies it to the Transport service of a mailbox server,
// often another one, whose RECEIVE names the Front End's server as client
// and the Internet client in original-client-ip; no row of the Front End
// logs the arrival. So a RECEIVE from one of the organization's own
// servers that names an outside client there (throughOwnServer) is mail
// from outside: taken for a hop, a forged internal sender from the
// Internet went unseen (seed 000's case behind a Front End). So is one from
// a private client that is none of them (throughHiddenFrontEnd): a
// dedicated Front End, which writes no tracking logs, is never named as one.
//
// But the original client travels with the message (the header
// X-MS-Exchange-Organization-OriginalClientIPAddress): the hub's RECEIVE
// from the edge, or from the mailbox server that took the message first,
// names it too, and counting every such row would count one message at
// each hop. Such a row is a hop of an arrival only when its message arrived
// from outside recently (a.inbound, Config.Window messages) and:
//
//   - with network-message-ids on both rows, they are the same: Exchange
//     gives each message that enters the organization one, which every
//     later hop keeps, and strips the organization's headers from what comes
//     from outside, so a message a remote server sends back (seed 000's, a
//     hundred times under one Message-ID) is each time a new arrival with a
//     new one. An edge's arrival keeps none (whether the edge's id is the
//     one the hub logs is not known): its first hop's fills it in, and that
//     hop is one however long the edge queued it (a hub down for patching);
//   - without them, when the row is plausibly the same message on its way:
//     it names the same remote server (by address) and the same sender as
//     the arrival, it came from another client than the arrival's row (a
//     hop comes from the server that took the arrival; a return through
//     the same Front End comes from that Front End again, to the same
//     server), and it is read at most hopWindow after the arrival (after
//     an edge's arrival, after its first hop). Otherwise it is a new
//     arrival: a return of the message, or a forgery reusing its
//     Message-ID (another remote server, another sender).
//
// A row wrongly taken for a hop hides a forgery or a flood; a hop wrongly
// taken for an arrival only counts one message too many: where the logs
// cannot tell, the row counts. So an export without the server's columns
// of a server whose own Front End took the mail counts the hop to a second
// server again (both rows name the first server as client), and a hop
// queued longer than hopWindow counts again.
//
// A Front End's row names the remote server by address (original-client-ip),
// an edge's by the name it gave (client-hostname): where mail comes both
// ways (an edge in one site, Front Ends in another), or the hub's row of an
// edge's arrival is read after the arrival left a.inbound, one server
// would be listed twice. The hub's row of an edge's arrival names both, its
// address and, in a.inbound, the edge's name for it: a.hostOf keeps the
// name by the address, and a later arrival a Front End's row names by that
// address takes the name. Only the hops of an edge's arrivals that name the
// Internet client fill the table, and only an organization that has them
// looks in it: the edge's own rows, nearly all of an edge's rows from
// outside, are spared the look-up. A server that sent through a Front End
// before any of its mail was read through the edge is named both ways.
//
// The logs of several servers are merged by time (tracking.Read), and rows
// of one moment (a whole second in an export) are read in the order the
// logs were given: a hop's row may come before the arrival's. The hop then
// counts as the arrival, from the client it names, and the arrival's own
// row, read next, is the repeat: by its network-message-id as above, or by
// being read within reorderSkew after it. The arrival's own row may be the
// one addressed to a group (the hop to the delivery server carries the
// members): then it counts into the group all the same (see receive).

// arrival is what a.inbound keeps of a message that came from outside: one
// table, one look-up a row, where the time and network-message-id of a
// Front End's arrivals were a second table's. At 32 bytes a value never
// straddles two cache lines (the table is one large, aligned allocation),
// as the remote server's name alone (16 bytes) did not: so the
// network-message-id is kept as 32 bits of its hash (ids are Exchange's
// GUIDs, no sender picks one; two of one Message-ID agree by chance once
// in two billion).
type arrival struct {
	// src is its remote server, interned, as clientOf names it.
	src string
	// net is the hash of its network-message-id as a Front End's server or
	// the first hop logged it, 0 without one (see netKey).
	net uint32
	// at is its row's time in Unix seconds (see unixSeconds); after an
	// edge's arrival, its first hop's.
	at uint32
	// from is the remote server's address and the sender its row names
	// (fromKey): every hop names the same.
	from uint32
	// via is the client and server of its row (viaKey), 0 for an edge's
	// row and for a row with a network-message-id, in the bits below
	// flagBits; relayedFlag, groupedFlag and
	// hoppedFlag above them.
	via uint32
}

const (
	// relayedFlag: taken from a row that names the Front End's client in
	// original-client-ip (origin throughFrontEnd and after), which the
	// edge's own row, read within reorderSkew after it, repeats.
	relayedFlag = 1 << 31
	// groupedFlag: counted into a group.
	groupedFlag = 1 << 30
	// hoppedFlag: an edge's arrival whose first hop was read.
	hoppedFlag = 1 << 29
	flagBits   = relayedFlag | groupedFlag | hoppedFlag
)

func (r arrival) relayed() bool { return r.via&relayedFlag != 0 }
func (r arrival) grouped() bool { return r.via&groupedFlag != 0 }
func (r arrival) hopped() bool  { return r.via&hoppedFlag != 0 }

// reorderSkew is how far, in seconds, the arrival's own row may be read
// after a hop's row that was taken for it: a whole second of an export, or
// a second between two servers' clocks.
const reorderSkew = 2

// hopWindow is how long, in seconds, after an arrival a row without
// network-message-ids may be its hop. Hops between the organization's
// servers take seconds; a queue may hold one for a few minutes. A hop held
// longer (a server down) counts as a second arrival: one message too many,
// where a longer window hides a return of the message, from the same
// server and sender, under the hop it is taken for.
const hopWindow = 5 * 60

// netKey is the 32 bits of a network-message-id's hash an arrival keeps, 0
// for none and never 0 for one.
func netKey(id string) uint32 {
	if id == "" {
		return 0
	}
	return uint32(hash(id)) | 1
}

// fromKey stands for the remote server's address and the sender a row
// names: the same on every hop of one message (the original client and
// the headers travel with it). An edge's row names the remote server as
// client, a later hop in original-client-ip; hash folds case.
func fromKey(ev *tracking.Event, o origin) uint32 {
	ip := ev.OriginalClientIP
	if o == fromRemote {
		ip = firstNonEmpty(ev.ClientIP, ev.ClientHostname)
	}
	return fold32(mix(hash(ip), hash(senderOf(ev))))
}

// viaKey stands for the client a row came from and the server that logged
// it, never 0. An arrival and its hops differ (each hop comes from the
// server before it); a return through the same Front End to the same server
// does not. Without the server's columns only the client is told: the
// hop from a server whose own Front End took the message names the same
// client as the arrival, and counts again. Two keys that agree by chance
// (once in 250 million) count a hop again too.
func viaKey(ev *tracking.Event) uint32 {
	return fold32(mix(hash(firstNonEmpty(ev.ClientIP, ev.ClientHostname)), hash(firstNonEmpty(ev.ServerHostname, ev.ServerIP))))&^flagBits | 1
}

// arrive records a RECEIVE from outside (o) of the message with hash h from
// host, and returns the arrival as a.inbound keeps it; again is set, and
// nothing new recorded, when the row is a later hop of an arrival already
// read, or the arrival's own row read after a hop's taken for it.
func (a *Analyzer) arrive(h uint64, ev *tracking.Event, o origin, host string) (r arrival, again bool) {
	p, _ := a.inbound.slot(h)
	at, _ := unixSeconds(ev.Time) // 0 for no time
	from := fromKey(ev, o)
	if o == fromRemote {
		// Most rows from outside where an edge or a gateway takes the mail;
		// one look-up, as a plain put. Only an arrival a Front End's row
		// recorded is repeated by one of these.
		if p.relayed() && p.from == from && at >= p.at && at-p.at <= reorderSkew {
			return *p, true
		}
		*p = arrival{src: a.intern(lower(host)), at: at, from: from}
		return *p, false
	}
	net := netKey(ev.NetworkMessageID)
	if p.src != "" && sameArrival(*p, o, net, at, from, ev) {
		if !p.relayed() && !p.hopped() {
			// The edge's arrival reached the organization's servers:
			// its later hops are timed from here.
			p.at = at
			p.via |= hoppedFlag
		}
		if p.net == 0 {
			p.net = net
		}
		in := *p
		if !in.relayed() && in.src != host {
			a.nameHost(host, in.src)
		}
		return in, true
	}
	src := ""
	if a.hostsNamed {
		src, _ = a.hostOf.get(hash(host))
	}
	if src == "" {
		src = a.intern(lower(host))
	}
	// An arrival with a network-message-id is told from its hops by it:
	// nearly all are, and the key is spared (see sameArrival).
	var via uint32
	if net == 0 {
		via = viaKey(ev)
	}
	*p = arrival{src: src, net: net, at: at, from: from, via: via | relayedFlag}
	return *p, false
}

// nameHost keeps name as the remote server at address ip (see hostOf).
func (a *Analyzer) nameHost(ip, name string) {
	if a.hostOf == nil {
		a.hostOf = newRecent[string](a.cfg.Window)
	}
	a.hostOf.put(hash(ip), name)
	a.hostsNamed = true
}

// sameArrival reports whether a row a Front End took (o), ev, with
// network-message-id key net, read at at, from the remote server and
// sender of key from, logs the arrival prev rather than a new one (see
// above).
func sameArrival(prev arrival, o origin, net, at, from uint32, ev *tracking.Event) bool {
	if prev.net != 0 && net != 0 {
		return prev.net == net
	}
	d := int64(at) - int64(prev.at)
	if prev.from != from || d < -reorderSkew {
		return false
	}
	if prev.relayed() && prev.via&^flagBits == 0 {
		// A Front End's arrival with a network-message-id keeps no client
		// (arrive): a row without one (another server's export selected
		// without the column) cannot be told its hop, and counts.
		return false
	}
	if prev.via&^flagBits == viaKey(ev) {
		return false
	}
	switch {
	case o == throughFrontEnd:
		// The server's own Front End took it from outside: an arrival,
		// unless a hop's row was read just before it.
		return prev.relayed() && d >= 0 && d <= reorderSkew
	case !prev.relayed() && !prev.hopped():
		// The first hop of an edge's arrival, however long the edge
		// held it.
		return true
	}
	return d <= hopWindow
}

// markGrouped notes that the arrival of the message with hash h counted
// into a group, so that a repeat of it does not count again.
func (a *Analyzer) markGrouped(h uint64) {
	if i, ok := a.inbound.find(h); ok {
		a.inbound.vals[i].via |= groupedFlag
	}
}

// hopOfArrival reports whether a RECEIVE not from outside is a hop between
// the organization's own servers of a message that came from outside
// recently: the edge's RECEIVE, or the Front End's server's, counted it into
// its groups, and the hub's is no second message into them. Internal mail
// is in no table of arrivals and counts at its RECEIVE.
func (a *Analyzer) hopOfArrival(ev *tracking.Event) bool {
	if ev.MessageID == "" || !a.own.relays(ev.ClientIP, ev.ClientHostname) {
		return false
	}
	_, ok := a.inbound.get(hash(ev.MessageID))
	return ok
}
