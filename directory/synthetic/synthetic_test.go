package synthetic_test

import (
	"bytes"
	"context"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/directory/synthetic"
)

func encode(t *testing.T, s *directory.Snapshot) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	a := encode(t, synthetic.Generate(1500, 42))
	b := encode(t, synthetic.Generate(1500, 42))
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	if c := encode(t, synthetic.Generate(1500, 43)); bytes.Equal(a, c) {
		t.Fatal("different seeds give the same snapshot")
	}
	// The written file is a valid snapshot.
	if _, err := directory.Decode(a); err != nil {
		t.Fatal(err)
	}
}

// shape measures what the generator promises about its output.
type shape struct {
	memberships, nested, contactRefs int
	maxSize, small, unresolved       int
	unknown, notMail, kinds          int
}

func measure(s *directory.Snapshot) shape {
	kind := map[string]string{}
	for _, g := range s.Groups {
		kind[g.ID] = "group"
	}
	for _, u := range s.Users {
		kind[u.ID] = "user"
	}
	for _, c := range s.Contacts {
		kind[c.ID] = "contact"
	}
	var sh shape
	kinds := map[directory.GroupKind]bool{}
	for _, g := range s.Groups {
		kinds[g.Kind] = true
		n := len(g.Members)
		sh.memberships += n
		sh.maxSize = max(sh.maxSize, n)
		if n >= 2 && n <= 20 {
			sh.small++
		}
		if g.MembersUnknown {
			sh.unknown++
		}
		if g.Mail == "" {
			sh.notMail++
		}
		for _, m := range g.Members {
			switch kind[m] {
			case "group":
				sh.nested++
			case "contact":
				sh.contactRefs++
			case "user":
			default:
				sh.unresolved++
			}
		}
		for _, list := range [][]string{g.ManagedBy, g.ModeratedBy, g.AcceptOnlyFrom, g.AcceptOnlyFromMembersOf, g.RejectFrom} {
			for _, ref := range list {
				if kind[ref] == "" {
					sh.unresolved++
				}
			}
		}
	}
	sh.kinds = len(kinds)
	return sh
}

func TestShape(t *testing.T) {
	for _, n := range []int{2000, 20000} {
		if testing.Short() && n > 2000 {
			continue
		}
		s := synthetic.Generate(n, 1)
		sh := measure(s)
		t.Logf("%d groups: %d users, %d contacts, %d memberships (%d nested, %d contacts), largest group %d, %d of 2-20, %d unknown, %d not mail-enabled",
			n, len(s.Users), len(s.Contacts), sh.memberships, sh.nested, sh.contactRefs, sh.maxSize, sh.small, sh.unknown, sh.notMail)
		if len(s.Groups) != n || len(s.Users) != 3*n || len(s.Contacts) != n/2 {
			t.Errorf("%d groups, %d users, %d contacts; want %d, %d, %d", len(s.Groups), len(s.Users), len(s.Contacts), n, 3*n, n/2)
		}
		want := synthetic.MembershipsPerGroup * n
		if d := sh.memberships - want; d < -want/10 || d > want/10 {
			t.Errorf("%d memberships, want within 10%% of %d", sh.memberships, want)
		}
		if sh.unresolved != 0 {
			t.Errorf("%d references resolve to nothing", sh.unresolved)
		}
		if f := float64(sh.nested) / float64(sh.memberships); f < 0.05 || f > 0.15 {
			t.Errorf("nested share %.3f, want about 0.10", f)
		}
		if f := float64(sh.contactRefs) / float64(sh.memberships); f < 0.05 || f > 0.15 {
			t.Errorf("contact share %.3f, want about 0.10", f)
		}
		if sh.maxSize < 1000 || float64(sh.small) < 0.8*float64(n) {
			t.Errorf("sizes not skewed: largest %d, %d groups of 2-20", sh.maxSize, sh.small)
		}
		if sh.kinds != 4 || sh.unknown == 0 || sh.notMail == 0 {
			t.Errorf("%d group kinds, %d with unknown membership, %d not mail-enabled; want all of them", sh.kinds, sh.unknown, sh.notMail)
		}
		var read int
		for _, r := range s.Coverage.Read {
			if r.What == directory.CoverGroupMembers {
				read = r.Count
			}
		}
		if read != sh.memberships || !s.Coverage.Complete() {
			t.Errorf("coverage says %d memberships (gaps %v), snapshot has %d", read, s.Coverage.Gaps, sh.memberships)
		}
	}
}

// The engine copes with the shape: nesting, cycles and big groups. No rules
// are needed for that (the directory packages do not depend on the catalogue).
func TestAuditRuns(t *testing.T) {
	s := synthetic.Generate(2000, 7)
	rep, err := audit.Run(context.Background(), s, []audit.Rule{}, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mailEnabled := 0
	for _, g := range s.Groups {
		if g.Mail != "" {
			mailEnabled++
		}
	}
	if len(rep.Groups) != mailEnabled {
		t.Errorf("%d groups audited, want %d", len(rep.Groups), mailEnabled)
	}
	var largest, externals int
	for _, g := range rep.Groups {
		largest = max(largest, g.ExpandedRecipients)
		externals += g.ExternalMembers
	}
	if largest < 1000 || externals == 0 || rep.Summary.ExternalRecipients == 0 {
		t.Errorf("largest expansion %d, %d external memberships, %d distinct external recipients", largest, externals, rep.Summary.ExternalRecipients)
	}
}

func TestSmallAndEmpty(t *testing.T) {
	for _, n := range []int{0, 1, 5, 99} {
		s := synthetic.Generate(n, 3)
		if len(s.Groups) != n || measure(s).unresolved != 0 {
			t.Errorf("Generate(%d): %d groups, %d unresolved references", n, len(s.Groups), measure(s).unresolved)
		}
		if _, err := directory.Decode(encode(t, s)); err != nil {
			t.Errorf("Generate(%d): %v", n, err)
		}
	}
}
