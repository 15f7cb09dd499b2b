package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// TestOutputIsADirectory: a directory given where a file is to be written is
// refused before any reading, by every command that writes one, rather than
// by the final rename after a long collection.
func TestOutputIsADirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target, script := filepath.Join(dir, "x.json"), filepath.Join(dir, "fix.ps1")
	for _, d := range []string{target, script} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	snap := writeSnapshot(t, cleanSnapshot())
	cfg := writeFile(t, t.TempDir(), "c.yaml", "outputs: ["+target+"]\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"scan", []string{"scan", "--demo", "-o", target}, "-o " + target + ": is a directory"},
		{"audit", []string{"audit", "--snapshot", snap, "-o", filepath.Join(dir, "ok.csv"), "-o", target}, "-o " + target + ": is a directory"},
		{"collect", []string{"collect", "--demo", "-o", target}, "-o " + target + ": is a directory"},
		{"diff", []string{"diff", snap, snap, "-o", target}, "-o " + target + ": is a directory"},
		{"remediate", []string{"remediate", "--report", snap, "-o", script}, "-o " + script + ": is a directory"},
		{"config outputs", []string{"config", "check", cfg}, "outputs[0]: is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want %d with %q\n%s", code, exitUsage, tc.want, stderr)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("the runs left files behind: %v", entries)
	}
}

// TestWriteReportsAllOrNone: the reports are written all or none. A report
// that fails to write leaves every other file as it was and stdout empty; a
// rename failing midway says which reports were replaced; stdout is written
// only after every file is in place.
func TestWriteReportsAllOrNone(t *testing.T) {
	t.Parallel()
	const old, fresh = "old\n", "new\n"
	tests := []struct {
		name string
		// fail is the index of the target whose writing fails; blocked the
		// one whose target becomes a directory once staged, so its rename
		// fails. -1 for none.
		fail, blocked int
		// want is each file's content afterwards, in target order; "" for
		// no file.
		want       []string
		wantStdout string
		wantErr    []string
	}{
		{"all written", -1, -1, []string{fresh, fresh, fresh}, fresh, nil},
		{"a write fails", 1, -1, []string{"", "", old}, "", []string{"write ", "b.csv: disk full", noneWritten}},
		{"the first write fails", 0, -1, []string{"", "", old}, "", []string{"a.json: disk full", noneWritten}},
		{"the first rename fails", -1, 0, []string{"", "", old}, "", []string{"a.json: rename", noneWritten}},
		{"a rename fails midway", -1, 1, []string{fresh, "", old}, "",
			[]string{"b.csv: rename", "reports replaced: ", "a.json; not written (any existing file is as it was): ", "b.csv, ", "c.xlsx, stdout"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			paths := []string{filepath.Join(dir, "a.json"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "c.xlsx")}
			// a.json and b.csv are new; c.xlsx is last night's.
			if err := os.WriteFile(paths[2], []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			var targets []reportTarget
			for i, p := range paths {
				targets = append(targets, reportTarget{path: p, write: func(w io.Writer) error {
					if i == tc.fail {
						return errors.New("disk full")
					}
					if i == tc.blocked {
						if err := os.Mkdir(p, 0o755); err != nil {
							return err
						}
					}
					_, err := io.WriteString(w, fresh)
					return err
				}})
			}
			var stdout bytes.Buffer
			// Given first, written last.
			targets = append([]reportTarget{{path: "-", format: "json", write: func(w io.Writer) error {
				for _, p := range paths {
					if data, _ := os.ReadFile(p); string(data) != fresh {
						return fmt.Errorf("stdout written before %s", p)
					}
				}
				_, err := io.WriteString(w, fresh)
				return err
			}}}, targets...)
			err := writeReports(targets, &stdout)
			if (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if err != nil {
				text := errorText(err)
				for _, w := range tc.wantErr {
					if !strings.Contains(text, w) {
						t.Errorf("error lacks %q:\n%s", w, text)
					}
				}
			}
			for i, p := range paths {
				data, _ := os.ReadFile(p)
				if string(data) != tc.want[i] {
					t.Errorf("%s holds %q, want %q", filepath.Base(p), data, tc.want[i])
				}
			}
			if stdout.String() != tc.wantStdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.wantStdout)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".tmp") {
					t.Errorf("temporary file left: %s", e.Name())
				}
			}
		})
	}
}

// TestDiffOutputsAllOrNone: diff shares the writing, and with it the
// guarantee that a failed -o leaves the others untouched.
func TestDiffOutputsAllOrNone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	snap := writeSnapshot(t, cleanSnapshot())
	old := writeFile(t, dir, "drift.json", "old\n")
	bad := filepath.Join(dir, strings.Repeat("d", 245)+".csv")
	code, stdout, stderr := dgaudit(t, "diff", snap, snap, "-o", old, "-o", bad, "-o", filepath.Join(dir, "drift.xlsx"), "-o", "-")
	if code != exitRuntime || !strings.Contains(stderr, noneWritten) || strings.Contains(stderr, "report: ") {
		t.Errorf("exit %d, want %d saying no report was written and listing none\n%s", code, exitRuntime, stderr)
	}
	if data, _ := os.ReadFile(old); string(data) != "old\n" || stdout != "" {
		t.Errorf("drift.json holds %.40q, stdout %.40q; want both untouched", data, stdout)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %v, want only drift.json", entries)
	}
}

// evilName is a group name a terminal would act on: CSI 2J (clear the
// screen) as a C1 control, a right-to-left override and DEL.
const evilName = "x\u009b2J\u202eX\x7f"

// TestStdoutEscapesTerminalControls: JSON on stdout carries a group name's
// C1 controls, bidi overrides and DEL as \u escapes, not raw, and stays
// valid JSON with the same value.
func TestStdoutEscapesTerminalControls(t *testing.T) {
	t.Parallel()
	evil := writeSnapshot(t, dt.New().Mailbox("o").Contact("x", "x@partner.example").
		Group(evilName, []string{"x", "o"}, dt.ReportsToOriginator, dt.Owner("o"),
			func(g *directory.Group) { g.ID, g.Mail = "evil", "evil@"+dt.Org }).
		Snapshot())
	clean := writeSnapshot(t, cleanSnapshot())
	tests := []struct {
		name string
		args []string
	}{
		{"audit", []string{"audit", "--snapshot", evil, "-o", "-"}},
		{"scan", []string{"scan", "--snapshot", evil, "-o", "-"}},
		{"diff", []string{"diff", clean, evil, "-o", "-"}},
		{"collect", []string{"collect", "--snapshot", evil, "-o", "-"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, stdout, stderr := dgaudit(t, append(tc.args, "--log-level", "error")...)
			if i := strings.IndexFunc(stdout, jsonRaw); i >= 0 {
				t.Errorf("stdout holds a control character at byte %d: %q", i, stdout[max(0, i-20):min(len(stdout), i+20)])
			}
			if !json.Valid([]byte(stdout)) {
				t.Errorf("stdout is not valid JSON\n%s", stderr)
			}
			if !strings.Contains(stdout, `"x\u009b2J\u202eX\u007f"`) {
				t.Errorf("stdout lacks the escaped name\n%s", stderr)
			}
		})
	}
}

// TestJSONTerminalWriterChunks: the escaping does not depend on where the
// writes are cut, even inside a rune, and printable text passes unchanged.
func TestJSONTerminalWriterChunks(t *testing.T) {
	t.Parallel()
	doc, err := json.MarshalIndent(map[string]any{"name": evilName, "ok": "Jürgen’s 📧 list", "n": []int{1, 2}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	doc = append(doc, '\n')
	const want = "{\n  \"n\": [\n    1,\n    2\n  ],\n  \"name\": \"x\\u009b2J\\u202eX\\u007f\",\n  \"ok\": \"Jürgen’s 📧 list\"\n}\n"
	for size := 1; size <= len(doc); size++ {
		var b bytes.Buffer
		w := &jsonTerminalWriter{w: &b}
		for rest := doc; len(rest) > 0; rest = rest[min(size, len(rest)):] {
			if n, err := w.Write(rest[:min(size, len(rest))]); err != nil || n != min(size, len(rest)) {
				t.Fatalf("chunks of %d: Write = %d, %v", size, n, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Fatalf("chunks of %d:\n got %q\nwant %q", size, b.String(), want)
		}
	}
	// A stream cut inside a rune ends with U+FFFD, not with its first bytes.
	var b bytes.Buffer
	w := &jsonTerminalWriter{w: &b}
	w.Write([]byte("\"a\xc2"))
	w.Flush()
	if b.String() != `"a\ufffd` {
		t.Errorf("cut stream: %q", b.String())
	}
}

// TestStdoutIsJSONOnly: CSV cannot escape a control character, so a CSV
// report never goes to stdout, whatever asks for it.
func TestStdoutIsJSONOnly(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	err := writeStdout(reportTarget{path: "-", format: "csv", write: func(w io.Writer) error {
		_, err := io.WriteString(w, evilName)
		return err
	}}, &b)
	if err == nil || b.Len() != 0 {
		t.Errorf("error %v, stdout %q; want an error and nothing written", err, b.String())
	}
}
