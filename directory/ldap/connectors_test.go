package ldap

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

// The control value is BER SEQUENCE { INTEGER 4 } (DACL only), critical.
func TestSDFlagsControl(t *testing.T) {
	p := sdFlagsDACL().Encode()
	want := []byte{0x30, 0x22, 0x04, 0x16}
	want = append(want, oidSDFlags...)
	want = append(want, 0x01, 0x01, 0x01, 0x04, 0x05, 0x30, 0x03, 0x02, 0x01, 0x04)
	if got := p.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("control = % x, want % x", got, want)
	}
}

// Read, searched and none (a fact), and not read (a gap, nil) stay apart.
func TestRecordConnectors(t *testing.T) {
	read := []directory.ReceiveConnector{{Name: "Relay", AnonymousRelay: directory.True, RelayGrantedTo: "S-1-5-7"}}
	tests := []struct {
		name     string
		before   []directory.ReceiveConnector
		n        int
		err      error
		want     []directory.ReceiveConnector
		wantNil  bool
		wantGap  bool
		wantRead int // -1: not recorded
	}{
		{"read", read, 1, nil, read, false, false, 1},
		{"none", nil, 0, nil, []directory.ReceiveConnector{}, false, false, 0},
		{"search failed", nil, 0, errors.New("ldap: dc1: read receive connectors: unavailable critical extension"), nil, true, true, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &directory.Snapshot{}
			snap.Org.ReceiveConnectors = tt.before
			recordConnectors(snap, tt.n, tt.err, "dc1")
			if diff := cmp.Diff(tt.want, snap.Org.ReceiveConnectors); diff != "" {
				t.Errorf("connectors (-want +got):\n%s", diff)
			}
			if (snap.Org.ReceiveConnectors == nil) != tt.wantNil {
				t.Errorf("nil = %v, want %v", snap.Org.ReceiveConnectors == nil, tt.wantNil)
			}
			gap := len(snap.Coverage.Gaps) == 1 && snap.Coverage.Gaps[0].What == directory.CoverReceiveConnectors && tt.err != nil &&
				snap.Coverage.Gaps[0].Reason == tt.err.Error()
			if gap != tt.wantGap || (!tt.wantGap && len(snap.Coverage.Gaps) > 0) {
				t.Errorf("gaps = %+v", snap.Coverage.Gaps)
			}
			got := -1
			for _, r := range snap.Coverage.Read {
				if r.What == directory.CoverReceiveConnectors {
					got = r.Count
				}
			}
			if got != tt.wantRead {
				t.Errorf("read count %d, want %d", got, tt.wantRead)
			}
		})
	}
}
