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
//     one the hub logs is not known): the first hop's fills it in;
//   - without them, by where and when: the row's server has not logged that
//     arrival already (a server receives each arrival once; seed 000's
//     returns all came to the same one), and it is read at most hopWindow
//     after it. Later, it is a new arrival: a return of the message, or a
//     forgery reusing its Message-ID.
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
// as the remote server's name alone (16 bytes) did not.
type arrival struct {
	// src is its remote server, interned, as clientOf names it.
	src string
	// net is the hash of its network-message-id as a Front End's server or
	// the first hop logged it, 0 without one.
	net uint64
	// at is its row's time in Unix seconds (see unixSeconds).
	at uint32
	// servers has serverBit set for each server that logged it, and
	// relayedFlag and groupedFlag in the bits above those.
	servers uint32
}

const (
	// relayedFlag: taken from a row that names the Front End's client in
	// original-client-ip (origin throughFrontEnd and after), which the
	// edge's own row, read within reorderSkew after it, repeats.
	relayedFlag = 1 << 31
	// groupedFlag: counted into a group.
	groupedFlag = 1 << 30
	serverBits  = 30
)

func (r arrival) relayed() bool { return r.servers&relayedFlag != 0 }
func (r arrival) grouped() bool { return r.servers&groupedFlag != 0 }

// reorderSkew is how far, in seconds, the arrival's own row may be read
// after a hop's row that was taken for it: a whole second of an export, or
// a second between two servers' clocks.
const reorderSkew = 2

// hopWindow is how long, in seconds, after an arrival a row of another
// server without network-message-ids may be its hop. Hops between the
// organization's servers take seconds; a queue may hold one for a few
// minutes. A hop held longer (a server down) counts as a second arrival:
// one message too many, where a longer window hides a forgery under the
// Message-ID of a message that came in minutes before.
const hopWindow = 5 * 60

// serverBit is a bit standing for the server that logged ev, 0 when the row
// names none. Two servers may share a bit (one in 30 for two): a hop
// between them without network-message-ids then counts as a new arrival.
func serverBit(ev *tracking.Event) uint32 {
	name := firstNonEmpty(ev.ServerHostname, ev.ServerIP)
	if name == "" {
		return 0
	}
	return 1 << (hash(name) % serverBits)
}

// arrive records a RECEIVE from outside (o) of the message with hash h from
// host, and returns the arrival as a.inbound keeps it; again is set, and
// nothing new recorded, when the row is a later hop of an arrival already
// read, or the arrival's own row read after a hop's taken for it.
func (a *Analyzer) arrive(h uint64, ev *tracking.Event, o origin, host string) (r arrival, again bool) {
	p, _ := a.inbound.slot(h)
	at, _ := unixSeconds(ev.Time) // 0 for no time
	if o == fromRemote {
		// Most rows from outside where an edge or a gateway takes the mail;
		// one look-up, as a plain put. Only an arrival a Front End's row
		// recorded is repeated by one of these.
		if p.relayed() && at >= p.at && at-p.at <= reorderSkew {
			return *p, true
		}
		*p = arrival{src: a.intern(lower(host)), at: at}
		return *p, false
	}
	net, bit := msgHash(ev.NetworkMessageID), serverBit(ev)
	if p.src != "" && sameArrival(*p, o, net, at, bit) {
		p.servers |= bit
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
	*p = arrival{src: src, net: net, at: at, servers: bit | relayedFlag}
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

// sameArrival reports whether a row a Front End took (o), with
// network-message-id hash net, read at at on the server of bit, logs the
// arrival prev rather than a new one (see above).
func sameArrival(prev arrival, o origin, net uint64, at, bit uint32) bool {
	if prev.net != 0 && net != 0 {
		return prev.net == net
	}
	d := int64(at) - int64(prev.at)
	if prev.servers&bit != 0 || d < -reorderSkew {
		return false
	}
	if o == throughFrontEnd {
		// The server's own Front End took it from outside: an arrival,
		// unless a hop's row was read just before it.
		return prev.relayed() && d >= 0 && d <= reorderSkew
	}
	return d <= hopWindow
}

// markGrouped notes that the arrival of the message with hash h counted
// into a group, so that a repeat of it does not count again.
func (a *Analyzer) markGrouped(h uint64) {
	if i, ok := a.inbound.find(h); ok {
		a.inbound.vals[i].servers |= groupedFlag
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
