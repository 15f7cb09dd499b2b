package main

import (
	"bytes"
	"errors"
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
