package exchange_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dgaudit/directory/exchange"
)

// TestScriptExportsWhatTheMappingReads guards against drift between the
// mapping and scripts/Export-DgauditData.ps1: every property the mapping
// reads must be one the script selects, or an export made with it would
// silently read as "not set".
func TestScriptExportsWhatTheMappingReads(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile("../../scripts/Export-DgauditData.ps1")
	if err != nil {
		t.Fatal(err)
	}
	src := ""
	for _, f := range []string{"mapping.go", "export.go", "hygiene.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src += string(b)
	}
	calls := regexp.MustCompile(`\.(?:str|tri|list|Str|Tri|List|Has)\("([A-Za-z]+)"`).FindAllStringSubmatch(src, -1)
	lists := regexp.MustCompile(`range \[\]string\{([^}]*)\}`).FindAllStringSubmatch(src, -1)
	var props []string
	for _, m := range calls {
		props = append(props, m[1])
	}
	for _, m := range lists {
		for _, q := range regexp.MustCompile(`"([A-Za-z]+)"`).FindAllStringSubmatch(m[1], -1) {
			props = append(props, q[1])
		}
	}
	slices.Sort(props)
	props = slices.Compact(props)
	if len(props) < 30 {
		t.Fatalf("found only %d property names in the mapping: the pattern no longer matches the code", len(props))
	}
	for _, p := range props {
		// The Group*, Connector* and UserSid columns are hashtable keys in
		// the script ("Name = value" on a line of their own), not quoted.
		key := regexp.MustCompile(`(?m)^\s+` + p + `\s+= `)
		if !strings.Contains(string(script), "'"+p+"'") && !key.MatchString(string(script)) {
			t.Errorf("the mapping reads %s, which Export-DgauditData.ps1 does not export", p)
		}
	}
	// The files the reader looks for must be the ones the script writes.
	for _, f := range []string{exchange.FileRecipientFilterConfig, exchange.FileReceiveConnector, exchange.FileReceiveConnectorPermission} {
		if !strings.Contains(string(script), "Write-ExportFile '"+f+"'") || !strings.Contains(string(script), "$unread['"+f+"']") {
			t.Errorf("Export-DgauditData.ps1 does not write %s or record its failure under Unread", f)
		}
	}
}
