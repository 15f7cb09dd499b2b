package directory_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

// Not read (nil) and read with none (empty) are different files, and both
// survive a round trip, as does a connector with its relay state.
func TestReceiveConnectorsRoundTrip(t *testing.T) {
	t.Parallel()
	relay := directory.ReceiveConnector{Name: "Relay", Server: "EX01", DN: "CN=Relay,CN=SMTP Receive Connectors", FQDN: "ex01.corp.example",
		Bindings: []string{"0.0.0.0:25"}, RemoteIPRanges: []string{"0.0.0.0-255.255.255.255"},
		AnonymousRelay: directory.True, RelayGrantedTo: `S-1-5-7 (NT AUTHORITY\ANONYMOUS LOGON)`}
	unknown := directory.ReceiveConnector{Name: "Unread", Server: "EX02"}
	tests := []struct {
		name     string
		c        []directory.ReceiveConnector
		contains string
		absent   bool
	}{
		{"not read", nil, `"receiveConnectors"`, true},
		{"none", []directory.ReceiveConnector{}, `"receiveConnectors": []`, false},
		{"read", []directory.ReceiveConnector{relay, unknown}, `"anonymousRelay": true`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &directory.Snapshot{Source: "test", CollectedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			s.Org.ReceiveConnectors = tc.c
			var buf bytes.Buffer
			if err := s.Write(&buf); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(buf.String(), tc.contains); got == tc.absent {
				t.Errorf("file contains %s = %v:\n%s", tc.contains, got, buf.String())
			}
			back, err := directory.Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.c, back.Org.ReceiveConnectors); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			if (back.Org.ReceiveConnectors == nil) != (tc.c == nil) {
				t.Errorf("nil-ness lost: got %#v", back.Org.ReceiveConnectors)
			}
		})
	}
}

func TestValidateReceiveConnectors(t *testing.T) {
	t.Parallel()
	s := &directory.Snapshot{}
	s.Org.ReceiveConnectors = []directory.ReceiveConnector{
		{Name: "", AnonymousRelay: directory.False},
		{Name: "Relay", AnonymousRelay: directory.True},
		{Name: "Closed", AnonymousRelay: directory.False, RelayGrantedTo: "S-1-5-7"},
		{Name: "Fine", AnonymousRelay: directory.True, RelayGrantedTo: "S-1-5-7"},
	}
	err := s.Validate()
	for _, want := range []string{"receiveConnectors[0]: empty name", `receiveConnectors[1] ("Relay"): relayGrantedTo`, `receiveConnectors[2] ("Closed")`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want it to mention %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "Fine") {
		t.Errorf("Validate flags a consistent connector: %v", err)
	}
}
