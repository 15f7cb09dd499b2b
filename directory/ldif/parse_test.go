package ldif

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"dgaudit/directory"

	"github.com/google/go-cmp/cmp"
)

func parseAll(t *testing.T, in string) ([]Record, error) {
	t.Helper()
	var recs []Record
	err := Parse(strings.NewReader(in), func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	return recs, err
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []Record
	}{
		{
			name: "folding, base64, comments, version",
			in: "version: 1\n# a comment\n#  folded\n  comment\ndn: CN=A,DC=x\ncn: A\ndescription: one\n  two\ndisplayName:: WsO2ZQ==\n\n\n" +
				"dn:: Q049QixEQz14\nmail:\n",
			want: []Record{
				{Line: 5, DN: "CN=A,DC=x", Attrs: []Attr{{"cn", []byte("A")}, {"description", []byte("one two")}, {"displayName", []byte("Zöe")}}},
				{Line: 12, DN: "CN=B,DC=x", Attrs: []Attr{{"mail", []byte{}}}},
			},
		},
		{
			name: "CRLF and no final newline",
			in:   "dn: CN=A,DC=x\r\nmember;range=0-1: CN=M1\r\nmember;range=0-1: CN=M2\r\n fold",
			want: []Record{{Line: 1, DN: "CN=A,DC=x", Attrs: []Attr{{"member;range=0-1", []byte("CN=M1")}, {"member;range=0-1", []byte("CN=M2fold")}}}},
		},
		{
			name: "changetype add and modify add",
			in:   "dn: CN=A\nchangetype: add\ncn: A\n\ndn: CN=A\nchangetype: modify\nadd: member\nmember: CN=M\n-\nadd: member;range=1-*\nmember;range=1-*: CN=N\n",
			want: []Record{
				{Line: 1, DN: "CN=A", Attrs: []Attr{{"cn", []byte("A")}}},
				{Line: 5, DN: "CN=A", Modify: true, Attrs: []Attr{{"member", []byte("CN=M")}, {"member;range=1-*", []byte("CN=N")}}},
			},
		},
		{
			name: "ldapsearch trailer and referral skipped",
			in:   "dn: CN=A\ncn: A\n\n# search reference\nref: ldap://x/DC=y\n\n# search result\nsearch: 2\nresult: 0 Success\n\n# numResponses: 2\n",
			want: []Record{{Line: 1, DN: "CN=A", Attrs: []Attr{{"cn", []byte("A")}}}},
		},
		{name: "empty input", in: "", want: nil},
		{name: "only comments", in: "# nothing\n\n", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseAll(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		wantLine int
		wantMsg  string
	}{
		{"no colon", "dn: CN=A\ncn A\n", 2, "no ':'"},
		{"record starting with an attribute", "dn: CN=A\n\ncn: x\n", 3, "record starts with"},
		{"bad base64 value", "dn: CN=A\ncn:: !!!\n", 2, "bad base64"},
		{"leading continuation", " x\n", 1, "continuation line"},
		{"record without dn", "cn: A\n", 1, "want \"dn:\""},
		{"delete", "dn: CN=A\nchangetype: delete\n", 2, "not change files"},
		{"modify replace", "dn: CN=A\nchangetype: modify\nreplace: mail\nmail: x\n", 3, "not change files"},
		{"modify wrong attr", "dn: CN=A\nchangetype: modify\nadd: member\nmail: x\n", 4, "inside \"add: member\""},
		{"url value", "dn: CN=A\njpegPhoto:< file:///etc/passwd\n", 2, "URL values"},
		{"version 2", "version: 2\n", 1, "not supported"},
		{"bad name", "dn: CN=A\nc n: x\n", 2, "attribute name"},
		{"folded error keeps first line", "dn: CN=A\n\nfoo\n bar\n", 3, "no ':'"},
		{"search stopped at the size limit", "dn: CN=A\ncn: A\n\n# search result\nsearch: 2\nresult: 4 Size limit exceeded\n", 6, `ended with "4 Size limit exceeded"`},
		{"search stopped at the time limit", "dn: CN=A\ncn: A\n\nsearch: 2\nresult: 3 Time limit exceeded\n", 5, "holds only part of the directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseAll(t, tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a SyntaxError", err)
			}
			if se.Line != tt.wantLine || !strings.Contains(se.Msg, tt.wantMsg) {
				t.Errorf("err = %q, want line %d containing %q", err, tt.wantLine, tt.wantMsg)
			}
		})
	}
}

func readFixture(t *testing.T, path string) *directory.Snapshot {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Read(context.Background(), f, "ldif:"+path, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	s.Normalize()
	if err := s.Validate(); err != nil {
		t.Fatalf("snapshot does not validate: %v", err)
	}
	return s
}

func group(t *testing.T, s *directory.Snapshot, name string) directory.Group {
	t.Helper()
	for _, g := range s.Groups {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no group %q", name)
	return directory.Group{}
}

func TestLdifdeExport(t *testing.T) {
	t.Parallel()
	s := readFixture(t, "testdata/ldifde.ldf")
	if len(s.Groups) != 3 || len(s.Contacts) != 2 || len(s.Users) != 1 {
		t.Fatalf("got %d groups, %d contacts, %d users; want 3, 2, 1", len(s.Groups), len(s.Contacts), len(s.Users))
	}
	open := group(t, s, "All Partners")
	// Two members from the ranged chunk, two from the modify record; the
	// printer account has no mail and is skipped.
	wantMembers := []string{"0c000000-0000-4000-8000-000000000001", "0c000000-0000-4000-8000-000000000002", "0e000000-0000-4000-8000-000000000001"}
	if diff := cmp.Diff(wantMembers, open.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if open.ReportToOriginator != directory.True || open.RequireSenderAuth != directory.False || open.ReportToManager != directory.Unset {
		t.Errorf("tri-states: %v %v %v", open.ReportToOriginator, open.RequireSenderAuth, open.ReportToManager)
	}
	if open.Mail != "all-partners@corp.example.test" || len(open.ManagedBy) != 1 || open.ManagedBy[0] != "0e000000-0000-4000-8000-000000000001" {
		t.Errorf("mail %q managedBy %v", open.Mail, open.ManagedBy)
	}
	board := group(t, s, "Board")
	if board.Kind != directory.MailSecurity || board.DeliveryReports() != directory.ReportToManagerTarget {
		t.Errorf("board kind %s reports %s", board.Kind, board.DeliveryReports())
	}
	if diff := cmp.Diff([]string{"0e000000-0000-4000-8000-000000000001", "CN=Ghost,OU=Users,DC=corp,DC=example,DC=test"}, board.Members); diff != "" {
		t.Errorf("board members (-want +got):\n%s", diff)
	}
	dyn := group(t, s, "Partner Contacts")
	if dyn.Kind != directory.Dynamic || !dyn.MembersUnknown || dyn.DynamicFilter != "(&(objectClass=contact)(targetAddress=*))" {
		t.Errorf("dynamic group: %+v", dyn)
	}
	wantOrg := directory.Organization{
		Name: "Corp",
		AcceptedDomains: []directory.AcceptedDomain{
			{Domain: "corp.example.test", Type: directory.Authoritative, Default: true},
			{Domain: "tenant.mail.onmicrosoft.com", Type: directory.Authoritative, Coexistence: true},
		},
		RemoteDomains: []directory.RemoteDomain{{
			Name: "Default", DomainPattern: "*", AllowedOOFType: directory.OOFExternal,
			AutoReplyEnabled: directory.False, AutoForwardEnabled: directory.False, DeliveryReportEnabled: directory.True,
			NDREnabled: directory.True, IsInternal: directory.False,
		}},
	}
	if diff := cmp.Diff(wantOrg, s.Org); diff != "" {
		t.Errorf("organization (-want +got):\n%s", diff)
	}
	var gapObjects []string
	for _, g := range s.Coverage.Gaps {
		gapObjects = append(gapObjects, g.What+" "+g.Object)
	}
	wantGaps := []string{"group-members 0d000000-0000-4000-8000-000000000001", "group-members 0a000000-0000-4000-8000-000000000002"}
	if diff := cmp.Diff(wantGaps, gapObjects); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
}

func TestLdapsearchExport(t *testing.T) {
	t.Parallel()
	s := readFixture(t, "testdata/ldapsearch.ldif")
	if len(s.Contacts) != 1 || len(s.Groups) != 1 {
		t.Fatalf("got %d contacts %d groups", len(s.Contacts), len(s.Groups))
	}
	c := s.Contacts[0]
	if c.Name != "Zoë Müller-Lüdenscheidt, Externe Beraterin für Verteilerlisten" ||
		c.ExternalAddress != "zoe.mueller-luedenscheidt.external.consultant@very-long-partner-domain-name.example" {
		t.Errorf("contact name %q external %q", c.Name, c.ExternalAddress)
	}
	g := s.Groups[0]
	if g.DN != "CN=Long Group With A Name That Goes On And On For Folding,OU=Groups,DC=corp,DC=example,DC=test" {
		t.Errorf("folded DN = %q", g.DN)
	}
	if diff := cmp.Diff([]string{"0c000000-0000-4000-8000-000000000003", "CN=Elsewhere,OU=Other,DC=other,DC=example,DC=test"}, g.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	// No configuration partition in this export: both settings are gaps.
	for _, what := range []string{directory.CoverAcceptedDomains, directory.CoverRemoteDomains} {
		if s.Coverage.Has(what) {
			t.Errorf("coverage claims %s were read", what)
		}
	}
}

func TestSourceErrors(t *testing.T) {
	t.Parallel()
	_, err := Source{Path: "testdata/does-not-exist.ldf"}.Snapshot(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "ldif: ") {
		t.Errorf("missing file: %v", err)
	}
	dir := t.TempDir()
	bad := dir + "/bad.ldf"
	if err := os.WriteFile(bad, []byte("dn: CN=A\ncn: A\n\ndn: CN=B\nchangetype: moddn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Source{Path: bad}.Snapshot(context.Background())
	if err == nil || !strings.Contains(err.Error(), "bad.ldf: line 5: changetype") {
		t.Errorf("bad file: %v", err)
	}
	orphan := dir + "/orphan.ldf"
	if err := os.WriteFile(orphan, []byte("dn: CN=A\nchangetype: modify\nadd: member\nmember: CN=B\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err = (Source{Path: orphan}).Snapshot(context.Background()); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("orphan modify: %v", err)
	}
}
