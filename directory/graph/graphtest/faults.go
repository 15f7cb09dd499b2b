package graphtest

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Request describes a request the emulator is about to answer, for deciding
// its fault.
type Request struct {
	Method string
	Path   string // with the /v1.0 prefix for Graph
	Query  url.Values
	// InBatch marks a sub-request of a $batch; Token marks a token request.
	InBatch bool
	Token   bool
}

// Fault is what to do instead of (or before) answering. The zero Fault
// answers normally. For sub-requests of a batch only Status and RetryAfter
// apply, as Graph's per-item throttling.
type Fault struct {
	// Status answers with this status and Graph's error body (429, 503,
	// 504, 403, ...); RetryAfter adds that header when not empty.
	Status     int
	RetryAfter string
	// Delay holds the answer back (a slow service).
	Delay time.Duration
	// Drop closes the connection without answering.
	Drop bool
	// Malformed answers 200 with a truncated JSON body.
	Malformed bool
	// ExpireTokens revokes every token issued so far, as a continuous
	// access evaluation event would: this and later requests carrying an
	// old token get a 401 claims challenge.
	ExpireTokens bool
}

// FaultFunc decides a request's fault. It is called with the server's lock
// held, one request at a time.
type FaultFunc func(Request) Fault

func (s *Server) faultFor(r Request) Fault {
	if s.fault == nil {
		return Fault{}
	}
	f := s.fault(r)
	if f != (Fault{}) {
		s.stats.Faults++
	}
	return f
}

// Match selects requests.
type Match func(Request) bool

// Graph matches top-level Graph requests whose path contains sub ("" for
// all).
func Graph(sub string) Match {
	return func(r Request) bool { return !r.InBatch && !r.Token && strings.Contains(r.Path, sub) }
}

// InBatch matches batch sub-requests whose path contains sub.
func InBatch(sub string) Match {
	return func(r Request) bool { return r.InBatch && strings.Contains(r.Path, sub) }
}

// Token matches token requests.
func Token() Match { return func(r Request) bool { return r.Token } }

// Times applies f to the first n requests m matches.
func Times(n int, m Match, f Fault) FaultFunc {
	var mu sync.Mutex
	left := n
	return func(r Request) Fault {
		if !m(r) {
			return Fault{}
		}
		mu.Lock()
		defer mu.Unlock()
		if left <= 0 {
			return Fault{}
		}
		left--
		return f
	}
}

// Every applies f to every nth request m matches (the nth, 2nth, ...).
func Every(n int, m Match, f Fault) FaultFunc {
	var mu sync.Mutex
	count := 0
	return func(r Request) Fault {
		if !m(r) {
			return Fault{}
		}
		mu.Lock()
		defer mu.Unlock()
		count++
		if count%n == 0 {
			return f
		}
		return Fault{}
	}
}

// Fraction applies f to about the fraction p of the requests m matches,
// chosen independently with a generator seeded by seed, so runs repeat. Unlike
// Every, it cannot lock onto one request that keeps arriving at the same
// position of each retry round.
func Fraction(p float64, seed uint64, m Match, f Fault) FaultFunc {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	return func(r Request) Fault {
		if !m(r) {
			return Fault{}
		}
		mu.Lock()
		defer mu.Unlock()
		if rng.Float64() < p {
			return f
		}
		return Fault{}
	}
}

// Chain returns the first fault any of fs decides on.
func Chain(fs ...FaultFunc) FaultFunc {
	return func(r Request) Fault {
		for _, f := range fs {
			if x := f(r); x != (Fault{}) {
				return x
			}
		}
		return Fault{}
	}
}
