package ldif

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
	"dgaudit/directory/adattr"
)

// rangedContacts are four contacts the groups below list as members, and
// their IDs.
const rangedContacts = `
dn: CN=P1,OU=C,DC=x
objectClass: contact
objectGUID:: AAAADAAAAECAAAAAAAAAAQ==
targetAddress: SMTP:p1@partner.example

dn: CN=P2,OU=C,DC=x
objectClass: contact
objectGUID:: AAAADAAAAECAAAAAAAAAAg==
targetAddress: SMTP:p2@partner.example

dn: CN=P3,OU=C,DC=x
objectClass: contact
objectGUID:: AAAADAAAAECAAAAAAAAAAw==
targetAddress: SMTP:p3@partner.example

dn: CN=P4,OU=C,DC=x
objectClass: contact
objectGUID:: AAAADAAAAECAAAAAAAAABA==
targetAddress: SMTP:p4@partner.example
`

const (
	p1, p2, p3, p4 = "0c000000-0000-4000-8000-000000000001", "0c000000-0000-4000-8000-000000000002", "0c000000-0000-4000-8000-000000000003", "0c000000-0000-4000-8000-000000000004"
	rangedGroupID  = "0a000000-0000-4000-8000-000000000001"
)

// rangedGroup is the group's entry record up to its members.
const rangedGroup = `dn: CN=Big,OU=G,DC=x
objectClass: group
objectGUID:: AAAACgAAAECAAAAAAAAAAQ==
groupType: 8
mailNickname: big
mail: big@corp.example
`

// ldapsearch and ldifde print a group of more than MaxValRange members as a
// ranged attribute. The members count only when the chunks in the export
// reach the one ending in "*"; otherwise the membership is unknown and a gap
// says which members the export holds and how to export them all.
func TestRangedMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// group is the group's records: its entry from rangedGroup on,
		// then anything that comes before the contacts; after is what
		// comes after them.
		group, after string
		want         []string
		unknown      bool
		// gap holds what the group-members gap's reason must say; empty
		// means no gap for the group.
		gap []string
		// attrGap is what an attributes gap on the group must say.
		attrGap []string
	}{
		{
			name:  "plain member",
			group: rangedGroup + "member: CN=P1,OU=C,DC=x\nmember: CN=P2,OU=C,DC=x\n",
			want:  []string{p1, p2},
		},
		{
			name:  "single chunk ending in *",
			group: rangedGroup + "member;range=0-*: CN=P1,OU=C,DC=x\nmember;range=0-*: CN=P2,OU=C,DC=x\n",
			want:  []string{p1, p2},
		},
		{
			name: "two chunks, the rest in a modify record",
			group: rangedGroup + "member;range=0-1: CN=P1,OU=C,DC=x\nmember;range=0-1: CN=P2,OU=C,DC=x\n" +
				"\ndn: CN=Big,OU=G,DC=x\nchangetype: modify\nadd: member;range=2-*\nmember;range=2-*: CN=P3,OU=C,DC=x\n-\n",
			want: []string{p1, p2, p3},
		},
		{
			name:  "two chunks, the rest in a later record of the same entry",
			group: rangedGroup + "Member;Range=0-1: CN=P1,OU=C,DC=x\nmember;range=0-1: CN=P2,OU=C,DC=x\n",
			after: "\ndn: cn=big,ou=g,dc=x\nmember;range=2-*: CN=P3,OU=C,DC=x\nmember;range=2-*: CN=P4,OU=C,DC=x\n",
			want:  []string{p1, p2, p3, p4},
		},
		{
			name: "three chunks out of order",
			group: rangedGroup + "member;range=2-2: CN=P3,OU=C,DC=x\n" +
				"\ndn: CN=Big,OU=G,DC=x\nchangetype: modify\nadd: member\nmember;range=3-*: CN=P4,OU=C,DC=x\n-\n",
			after: "\ndn: CN=Big,OU=G,DC=x\nmember;range=0-1: CN=P1,OU=C,DC=x\nmember;range=0-1: CN=P2,OU=C,DC=x\n",
			want:  []string{p1, p2, p3, p4},
		},
		{
			name: "ldifde: the rest as plain values in a modify record",
			group: rangedGroup + "member;range=0-1: CN=P1,OU=C,DC=x\nmember;range=0-1: CN=P2,OU=C,DC=x\n" +
				"\ndn: CN=Big,OU=G,DC=x\nchangetype: modify\nadd: member\nmember: CN=P3,OU=C,DC=x\n-\n",
			want: []string{p1, p2, p3},
		},
		{
			name:    "stops after the first chunk",
			group:   rangedGroup + "member;range=0-1: CN=P1,OU=C,DC=x\nmember;range=0-1: CN=P2,OU=C,DC=x\n",
			want:    []string{},
			unknown: true,
			gap:     []string{"the export holds only members 0-1 of the ranged attribute member", `no chunk ending in "*"`, "ldifde", "--ldap-url"},
		},
		{
			name: "stops after the second chunk",
			group: rangedGroup + "member;range=0-1: CN=P1,OU=C,DC=x\nmember;range=0-1: CN=P2,OU=C,DC=x\n" +
				"\ndn: CN=Big,OU=G,DC=x\nchangetype: modify\nadd: member\nmember;range=2-2: CN=P3,OU=C,DC=x\n-\n",
			want:    []string{},
			unknown: true,
			gap:     []string{"only members 0-2 of the ranged attribute member"},
		},
		{
			name: "a chunk in the middle is missing",
			group: rangedGroup + "member;range=0-1: CN=P1,OU=C,DC=x\nmember;range=0-1: CN=P2,OU=C,DC=x\n" +
				"\ndn: CN=Big,OU=G,DC=x\nmember;range=3-*: CN=P4,OU=C,DC=x\n",
			want:    []string{},
			unknown: true,
			gap:     []string{"only members 0-1, 3-* of the ranged attribute member", "members 2-2 are missing"},
		},
		{
			name:    "the first chunk is missing",
			group:   rangedGroup + "member;range=2-*: CN=P3,OU=C,DC=x\n",
			want:    []string{},
			unknown: true,
			gap:     []string{"only members 2-* of", "members 0-1 are missing"},
		},
		{
			name:    "another ranged attribute that stops early keeps its values",
			group:   rangedGroup + "proxyAddresses;range=0-0: SMTP:big@corp.example\nmember: CN=P1,OU=C,DC=x\n",
			want:    []string{p1},
			attrGap: []string{"only values 0-0 of the ranged attribute proxyAddresses"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "export.ldf")
			if err := os.WriteFile(path, []byte(tc.group+rangedContacts+tc.after), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Source{Path: path, Now: func() time.Time { return time.Unix(0, 0) }}.Snapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			s.Normalize()
			g := group(t, s, "Big")
			if diff := cmp.Diff(tc.want, g.Members); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			if g.MembersUnknown != tc.unknown {
				t.Errorf("MembersUnknown = %v, want %v", g.MembersUnknown, tc.unknown)
			}
			var memberGaps, attrGaps []directory.Gap
			for _, gp := range s.Coverage.Gaps {
				switch {
				case gp.What == directory.CoverGroupMembers && gp.Object == rangedGroupID:
					memberGaps = append(memberGaps, gp)
				case gp.What == adattr.CoverAttributes && gp.Object == g.DN:
					attrGaps = append(attrGaps, gp)
				case gp.What == directory.CoverAcceptedDomains || gp.What == directory.CoverRemoteDomains:
				default:
					t.Errorf("unexpected gap %+v", gp)
				}
			}
			checkGaps(t, "group-members", memberGaps, tc.gap)
			checkGaps(t, "attributes", attrGaps, tc.attrGap)
			for _, r := range s.Coverage.Read {
				if r.What == directory.CoverGroupMembers && r.Count != len(tc.want) {
					t.Errorf("coverage counts %d memberships, want %d", r.Count, len(tc.want))
				}
			}
		})
	}
}

func checkGaps(t *testing.T, what string, got []directory.Gap, want []string) {
	t.Helper()
	if len(want) == 0 {
		if len(got) != 0 {
			t.Errorf("%s gaps %+v, want none", what, got)
		}
		return
	}
	if len(got) != 1 {
		t.Fatalf("%s gaps %+v, want one", what, got)
	}
	for _, w := range want {
		if !strings.Contains(got[0].Reason, w) {
			t.Errorf("%s gap reason %q lacks %q", what, got[0].Reason, w)
		}
	}
}

// A range option that does not parse is a broken export, not a short one:
// refuse it, naming the line.
func TestMalformedRangeIsRefused(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"member;range=x-1", "member;range=5-2", "member;range=0"} {
		in := rangedGroup + "member: CN=P1,OU=C,DC=x\n" + bad + ": CN=P2,OU=C,DC=x\n"
		_, err := Read(context.Background(), strings.NewReader(in), "t", time.Unix(0, 0))
		if err == nil || !strings.Contains(err.Error(), "line 8: ") || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: err = %v, want it to name line 8 and the attribute", bad, err)
		}
	}
}
