package adattr

import (
	"strings"
	"testing"
	"time"

	"dgaudit/directory"
)

// A member attribute the reader may not see comes back absent, like an
// empty one. A group that hides its membership, or that objects name in
// memberOf, is then not "empty" but unread: MembersUnknown, with a gap that
// says why. A group with members read, hidden or not, and an empty group
// nothing points at, stay as read.
func TestUnreadMembership(t *testing.T) {
	t.Parallel()
	const (
		hiddenEmpty   = "CN=Hidden Empty,OU=G,DC=corp"
		hiddenMembers = "CN=Hidden Members,OU=G,DC=corp"
		claimed       = "CN=Claimed,OU=G,DC=corp"
		plainEmpty    = "CN=Plain Empty,OU=G,DC=corp"
		dynamic       = "CN=Dynamic,OU=G,DC=corp"
		ann           = "CN=Ann,OU=U,DC=corp"
		bob           = "CN=Bob,OU=C,DC=corp"
	)
	group := func(dn, guid string, lines ...string) *Entry {
		return entry(t, dn, append([]string{"objectClass: group", "mailNickname: g", "objectGUID: " + guid}, lines...)...)
	}
	b := NewBuilder("test")
	b.Add(group(hiddenEmpty, "00000000-0000-0000-0000-000000000001", "hideDLMembership: TRUE"))
	b.Add(group(hiddenMembers, "00000000-0000-0000-0000-000000000002", "hideDLMembership: TRUE", "member: "+ann))
	b.Add(group(claimed, "00000000-0000-0000-0000-000000000003"))
	b.Add(group(plainEmpty, "00000000-0000-0000-0000-000000000004", "hideDLMembership: FALSE"))
	b.Add(entry(t, dynamic, "objectClass: msExchDynamicDistributionList", "mailNickname: d", "objectGUID: 00000000-0000-0000-0000-000000000005"))
	// An export of every attribute carries the members' memberOf: the
	// claimed group's member attribute was withheld, theirs was not.
	b.Add(entry(t, ann, "objectClass: user", "homeMDB: CN=DB", "objectGUID: 00000000-0000-0000-0000-00000000000a",
		"memberOf: "+hiddenMembers, "memberOf: CN=claimed,ou=g,dc=corp"))
	b.Add(entry(t, bob, "objectClass: contact", "targetAddress: SMTP:bob@partner.test", "objectGUID: 00000000-0000-0000-0000-00000000000b",
		"memberOf: "+claimed))

	// What a searching source is left to ask about: nothing names the
	// hidden or the plain empty group.
	if got, want := strings.Join(b.Memberless(), "|"), hiddenEmpty+"|"+plainEmpty; got != want {
		t.Errorf("Memberless = %s, want %s", got, want)
	}

	s := b.Finish(time.Unix(0, 0))
	gaps := map[string]string{}
	for _, g := range s.Coverage.Gaps {
		if g.What != directory.CoverGroupMembers {
			t.Errorf("unexpected gap %+v", g)
		}
		gaps[g.Object] = g.Reason
	}
	for _, g := range s.Groups {
		t.Run(g.Name, func(t *testing.T) {
			reason := gaps[g.ID]
			switch g.DN {
			case hiddenEmpty:
				if !g.MembersUnknown || !strings.Contains(reason, "hideDLMembership TRUE") || !strings.Contains(reason, "KB 327849") {
					t.Errorf("MembersUnknown %v, gap %q: want unknown, naming hideDLMembership and the deny ACE", g.MembersUnknown, reason)
				}
			case claimed:
				if !g.MembersUnknown || !strings.Contains(reason, "yet "+ann+" and 1 other objects name the group in memberOf") {
					t.Errorf("MembersUnknown %v, gap %q: want unknown, naming the memberOf evidence", g.MembersUnknown, reason)
				}
				if len(g.Members) != 0 {
					t.Errorf("members %v: an unknown membership is not guessed", g.Members)
				}
			case hiddenMembers, plainEmpty, dynamic:
				if g.MembersUnknown || reason != "" {
					t.Errorf("MembersUnknown %v, gap %q: want the membership as read", g.MembersUnknown, reason)
				}
			}
		})
	}
}

// A source that searches for memberOf back-links reports what it found
// with MemberOfClaim; Finish treats it as an export's memberOf.
func TestMemberOfClaim(t *testing.T) {
	t.Parallel()
	const dn = "CN=Partners,OU=G,DC=corp"
	b := NewBuilder("test")
	b.Add(entry(t, dn, "objectClass: group", "mailNickname: p", "objectGUID: 00000000-0000-0000-0000-000000000001"))
	b.MemberOfClaim("cn=partners, ou=g, dc=corp", "CN=Bob,OU=C,DC=corp")
	if got := b.Memberless(); len(got) != 0 {
		t.Errorf("Memberless = %v after a claim", got)
	}
	s := b.Finish(time.Unix(0, 0))
	if !s.Groups[0].MembersUnknown || len(s.Coverage.Gaps) != 1 || !strings.Contains(s.Coverage.Gaps[0].Reason, "yet CN=Bob,OU=C,DC=corp names the group in memberOf") {
		t.Errorf("group unknown %v, gaps %+v", s.Groups[0].MembersUnknown, s.Coverage.Gaps)
	}
}
