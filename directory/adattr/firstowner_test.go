package adattr

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

// A group in manager mode sends its delivery reports to its first owner,
// and manager-is-group judges what that owner is. An owner that could not
// be read must be a gap naming the group and why, not an owner that is
// silently "not a group". An owner read and known (a recipient, or an
// account that is not one), or any owner of a group not in manager mode,
// is not.
func TestUnreadFirstOwner(t *testing.T) {
	t.Parallel()
	const (
		mailbox  = "CN=Ann,OU=U,DC=corp"
		noMail   = "CN=Printer,OU=U,DC=corp"
		badGUID  = "CN=Broken,OU=G,DC=corp"
		gone     = "CN=Gone,OU=U,DC=corp"
		referral = "CN=Far,OU=U,DC=child,DC=corp"
	)
	tests := []struct {
		name, owner, toOwner string
		want                 string // reason in the gap; "" for none
	}{
		{"owner not found", gone, "TRUE", gone + ": not found in what was read"},
		{"owner in another domain", referral, "TRUE", referral + ": in another domain (referral)"},
		{"owner found but unreadable", badGUID, "TRUE", badGUID + ": objectGUID of"},
		{"mailbox owner", mailbox, "TRUE", ""},
		{"owner is not a recipient", noMail, "TRUE", ""},
		{"not in manager mode", gone, "FALSE", ""},
		{"manager mode not set", gone, "", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := NewBuilder("test")
			lines := []string{"objectClass: group", "mailNickname: g", "objectGUID: " + guidA, "member: " + mailbox,
				"managedBy: " + tt.owner, "msExchCoManagedByLink: " + mailbox}
			if tt.toOwner != "" {
				lines = append(lines, "reportToOwner: "+tt.toOwner)
			}
			group := fmt.Sprintf("CN=Group %d,OU=G,DC=corp", i)
			b.Add(entry(t, group, lines...))
			b.Add(entry(t, mailbox, "objectClass: user", "homeMDB: CN=DB", "objectGUID: "+guidB))
			b.Add(entry(t, noMail, "objectClass: user", "objectGUID: 33333333-0000-0000-0000-000000000003"))
			bad := entry(t, badGUID, "objectClass: group", "mailNickname: broken")
			bad.AddString("objectGUID", "not a GUID")
			b.Add(bad)
			b.Missing(referral, "in another domain (referral)")
			s := b.Finish(time.Unix(0, 0))
			var got []directory.Gap
			for _, g := range s.Coverage.Gaps {
				if g.Object == s.Groups[0].ID {
					got = append(got, g)
				}
			}
			if tt.want == "" {
				if len(got) != 0 {
					t.Errorf("gaps %+v, want none", got)
				}
				return
			}
			prefix := fmt.Sprintf("first owner (managedBy) of group Group %d, to whom manager mode (reportToOwner TRUE) sends its delivery reports, "+
				"could not be read, so whether they go to a group is unknown: ", i)
			if len(got) != 1 || got[0].What != directory.CoverGroupOwner || len(got[0].Reason) < len(prefix+tt.want) ||
				got[0].Reason[:len(prefix+tt.want)] != prefix+tt.want {
				t.Errorf("gaps %+v, want one beginning %q", got, prefix+tt.want)
			}
			// The owner keeps its DN, as before: only the gap is new.
			if diff := cmp.Diff([]string{tt.owner, guidB}, s.Groups[0].ManagedBy); diff != "" {
				t.Errorf("managedBy (-want +got):\n%s", diff)
			}
		})
	}
}
