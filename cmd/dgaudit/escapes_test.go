package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hasTerminalControl finds a rune a terminal acts on (C0 such as ESC and
// BEL, DEL, C1, line separators, bidi overrides) other than the line breaks
// and tabs the summary is made of.
func hasTerminalControl(s string) (int, bool) {
	for i, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		if unprintable(r) {
			return i, true
		}
	}
	return 0, false
}

// TestErrorsFromInputAreEscaped: an error message carrying text from an
// input file (a snapshot's group ID, a baseline's tool name) is printed with
// its control characters escaped, and still says what is wrong.
func TestErrorsFromInputAreEscaped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	badSnap := write("bad.json", `{"schemaVersion":1,"groups":[{"id":"g\u001b]0;PWNED\u0007\u001b[2J","name":"x","kind":"bogus"}]}`)
	baseline := write("baseline.json", `{"schemaVersion":99,"tool":"x\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e"}`)
	clean := writeSnapshot(t, cleanSnapshot())

	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"snapshot id", []string{"audit", "--snapshot", badSnap}, exitRuntime,
			[]string{`("g\x1b]0;PWNED\a\x1b[2J")`, `unknown kind "bogus"`}},
		{"baseline tool", []string{"audit", "--snapshot", clean, "--baseline", baseline}, exitUsage,
			[]string{`report schema version 99 is newer`, `"x\x1b]0;owned\a\x1b[2J\u009b31m\u202e"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			if i, bad := hasTerminalControl(stderr); bad {
				t.Errorf("stderr holds a control character at byte %d: %q", i, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestExitCodeKeepsLines: a multi-problem error stays one problem a line;
// only the control characters inside a line are escaped.
func TestExitCodeKeepsLines(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	a := &app{stderr: &b}
	code := a.exitCode(usageError{errors.Join(errors.New("c.yaml:3: a: bad \x1b[2J"), errors.New("c.yaml:4: b: bad\rexit 0\x9b"))})
	if code != exitUsage {
		t.Errorf("exit %d", code)
	}
	want := "dgaudit: c.yaml:3: a: bad \\x1b[2J\nc.yaml:4: b: bad\\x0dexit 0\uFFFD\n"
	if b.String() != want {
		t.Errorf("stderr %q, want %q", b.String(), want)
	}
}

// TestLogHandlersEscapeControls: both log formats keep attribute values,
// messages and errors from input files from reaching the terminal raw. The
// text handler quotes them itself; the JSON handler escapes only C0, so its
// output is filtered.
func TestLogHandlersEscapeControls(t *testing.T) {
	t.Parallel()
	const evil = "a\x1b]0;x\x07\x7f\u009b\u0085\u2028\u202e\r\nz"
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			a := &app{stderr: &b, logLevel: "info", logFormat: format}
			if err := a.setupLogging(); err != nil {
				t.Fatal(err)
			}
			a.log.Warn(evil, evil, evil, "error", errors.New(evil), "list", []string{evil}, "ok", "Jürgen’s list")
			out := b.String()
			if i := strings.IndexFunc(strings.TrimSuffix(out, "\n"), unprintable); i >= 0 {
				t.Errorf("log line holds a control character at byte %d: %q", i, out)
			}
			if !strings.Contains(out, "Jürgen’s list") {
				t.Errorf("printable text was altered: %q", out)
			}
			if format == "json" && !strings.Contains(out, `"a\u001b]0;x\u0007\u007f\u009b\u0085\u2028\u202e\r\nz"`) {
				t.Errorf("JSON log does not carry the value escaped: %q", out)
			}
		})
	}
}

// TestErrorLineBreaksFromDataAreEscaped: only the line breaks errors.Join
// puts between problems reach the terminal; one inside a value an error
// quotes is escaped, so it cannot forge a line under the real one.
func TestErrorLineBreaksFromDataAreEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"a value with a line break", fmt.Errorf("--strict: first member %s: not found", "CN=x\nexit 0: all clear"),
			"dgaudit: --strict: first member CN=x\\x0aexit 0: all clear: not found\n"},
		{"a wrapped join keeps its lines", fmt.Errorf("ldap: no server could be used (2 tried): %w",
			errors.Join(errors.New("dc1: refused"), fmt.Errorf("dc2: %s", "bad\nexit 0"))),
			"dgaudit: ldap: no server could be used (2 tried): dc1: refused\ndc2: bad\\x0aexit 0\n"},
		{"a join of joins", errors.Join(errors.New("a"), errors.Join(errors.New("b"), errors.New("c\rd"))),
			"dgaudit: a\nb\nc\\x0dd\n"},
		{"two %w ending in a join", fmt.Errorf("exchange: %s: %w: %w", "https://outlook.example", errors.New("unexpected response"),
			errors.Join(errors.New("record 1: no Guid"), errors.New("record 2: no\nGuid"))),
			"dgaudit: exchange: https://outlook.example: unexpected response: record 1: no Guid\nrecord 2: no\\x0aGuid\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if code := (&app{stderr: &b}).exitCode(tt.err); code != exitRuntime {
				t.Errorf("exit %d, want %d", code, exitRuntime)
			}
			if b.String() != tt.want {
				t.Errorf("stderr %q, want %q", b.String(), tt.want)
			}
		})
	}

	// The case a review found: an unresolved member DN from an LDIF file
	// (base64, so it may hold anything) quoted by --strict's error.
	dn := "CN=Ghost\nexit 0: nothing at or above high (--fail-on),OU=Contacts,DC=corp,DC=example,DC=test"
	ldif := `dn: CN=Partners,OU=Groups,DC=corp,DC=example,DC=test
objectClass: group
objectGUID:: AAAACgAAAECAAAAAAAAAAQ==
groupType: 8
mailNickname: partners
mail: partners@corp.example.test
managedBy: CN=Ann,OU=Users,DC=corp,DC=example,DC=test
member: CN=Bob,OU=Contacts,DC=corp,DC=example,DC=test
member:: ` + base64.StdEncoding.EncodeToString([]byte(dn)) + "\n" + ldifOrg
	path := filepath.Join(t.TempDir(), "export.ldf")
	if err := os.WriteFile(path, []byte(ldif), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := dgaudit(t, "audit", "--ldif", path, "--strict", "-o", filepath.Join(t.TempDir(), "r.json"))
	if code != exitRuntime {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitRuntime, stderr)
	}
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "exit 0") {
			t.Errorf("stderr has a forged line %q:\n%s", line, stderr)
		}
	}
	if !strings.Contains(stderr, `CN=Ghost\x0aexit 0`) {
		t.Errorf("stderr lacks the escaped DN:\n%s", stderr)
	}
}

// Several problems with the audit settings are printed one a line, not
// joined into one line with an escaped line break between them.
func TestSettingProblemsOneALine(t *testing.T) {
	t.Parallel()
	code, _, stderr := dgauditEnv(t, map[string]string{"DGAUDIT_SEVERITY": "x", "DGAUDIT_DISABLE_RULE": "y"}, "audit", "--demo")
	if code != exitUsage || strings.Contains(stderr, `\x0a`) {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"\nDGAUDIT_SEVERITY x: want RULE=SEVERITY", "DGAUDIT_DISABLE_RULE y: no such rule"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
