package mailflow

import "dgaudit/directory/tracking"

// On Exchange 2013 and later the Front End Transport service takes mail on
// port 25 and proxies it to the Transport service of a mailbox server,
// often another one, whose RECEIVE names the Front End's server as client
// and the Internet client in original-client-ip; no row of the Front End
// logs the arrival. So a RECEIVE from one of the organization's own
// servers that names an outside client there (throughOwnServer) is mail
// from outside: taken for a hop, a forged internal sender from the
// Internet went unseen (seed 000's case behind a Front End).
//
// But the original client travels with the message (the header
// X-MS-Exchange-Organization-OriginalClientIPAddress): the hub's RECEIVE
// from the edge, or from the mailbox server that took the message first,
// may name it too, and counting every such row would count one message at
// each hop. Such a row is taken as an arrival only when its message has not
// already arrived from outside recently (a.inbound, Config.Window
// messages), or has arrived before as a new message: Exchange gives each
// message that enters the organization a network-message-id that every
// later hop keeps, and strips the organization's headers from what comes
// from outside, so a message a remote server sends back (seed 000's, a
// hundred times under one Message-ID) is each time a new arrival with a new
// one. Only arrivals through a Front End are told apart so: whether the
// edge's network-message-id is the one the hub logs is not known, and an
// edge's hop to the hub is never a new arrival. Without the ids, another
// server's row of a message seen arriving is a hop.
//
// The logs of several servers are merged by time (tracking.Read), and rows
// of one moment (a whole second in an export) are read in the order the
// logs were given: a hop's row may come before the arrival's. The hop then
// counts as the arrival, from the client it names, and the arrival's own
// row, read next, is the repeat: from a Front End, by its network-message-id
// as above; from an edge, or without the ids, by being read within
// reorderSkew after it.

// relayedArrival is what a.relayed keeps of an arrival from outside that a
// Front End took (origin throughFrontEnd or throughOwnServer), beside its
// remote server in a.inbound. Only those need it: a table of its own, made
// at the first, keeps a.inbound's slots as small as they were for the
// edge's rows and the Internet's, nearly all the rows from outside, and
// their one look-up (put) one.
type relayedArrival struct {
	// net is the hash of its network-message-id, 0 without one.
	net uint64
	// at is its row's time in Unix seconds.
	at int64
}

// reorderSkew is how far, in seconds, the arrival's own row may be read
// after a hop's row that was taken for it: a whole second of an export, or
// a second between two servers' clocks.
const reorderSkew = 2

// arrive records a RECEIVE from outside (o) of the message with hash h from
// host, and returns its remote server as a.inbound keeps it; again is set,
// and nothing recorded, when the row is a later hop of an arrival already
// read, or the arrival's own row read after a hop's taken for it.
func (a *Analyzer) arrive(h uint64, ev *tracking.Event, o origin, host string) (src string, again bool) {
	if o == fromRemote {
		// Nearly every row from outside: asked about only once a Front
		// End's arrival was recorded, which it may repeat, or replace as
		// the message's last.
		if a.relayed != nil {
			if r, ok := a.relayed.get(h); ok {
				if at := ev.Time.Unix(); at >= r.at && at-r.at <= reorderSkew {
					return "", true
				}
				a.relayed.take(h)
			}
		}
		src = a.intern(lower(host))
		a.inbound.put(h, src)
		return src, false
	}
	r := relayedArrival{net: msgHash(ev.NetworkMessageID), at: ev.Time.Unix()}
	if prev, ok := a.inbound.get(h); ok && a.sameArrival(h, o, r) {
		return prev, true
	}
	src = a.intern(lower(host))
	a.inbound.put(h, src)
	if a.relayed == nil {
		a.relayed = newRecent[relayedArrival](a.cfg.Window)
	}
	a.relayed.put(h, r)
	return src, false
}

// sameArrival reports whether a row a Front End took (o, r), of a message
// that arrived from outside recently (h), logs that arrival rather than a
// new one (see above).
func (a *Analyzer) sameArrival(h uint64, o origin, r relayedArrival) bool {
	var prev relayedArrival
	relayed := false
	if a.relayed != nil {
		prev, relayed = a.relayed.get(h)
	}
	switch {
	case relayed && r.net != 0 && prev.net != 0:
		return r.net == prev.net
	case o == throughOwnServer:
		return true
	}
	return relayed && r.at >= prev.at && r.at-prev.at <= reorderSkew
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
