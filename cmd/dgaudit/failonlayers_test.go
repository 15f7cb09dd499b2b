package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dgauditEnv runs the CLI in-process with env as its whole environment, so
// that tests of DGAUDIT_* variables can run in parallel.
func dgauditEnv(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, env: func(k string) string { return env[k] }}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	return a.exitCode(root.ExecuteContext(context.Background())), out.String(), errb.String()
}

// TestFailOnAcrossLayers: --fail-on-new replaces --fail-on only when it
// comes from the same layer or a higher one. The organization has a
// critical finding that is already in the baseline, so fail-on high exits 1
// and fail-on-new critical exits 0: the exit code tells which policy won.
func TestFailOnAcrossLayers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSnapshotAt(t, filepath.Join(dir, "loop.json"), loopSnapshot())
	prev := filepath.Join(dir, "previous.json")
	if code, _, stderr := dgaudit(t, "audit", "--snapshot", filepath.Join(dir, "loop.json"), "-o", prev, "--fail-on", "none"); code != exitOK {
		t.Fatalf("baseline run: exit %d\n%s", code, stderr)
	}
	const (
		byFailOn    = "exit 1: findings at or above high (--fail-on)"
		byFailOnNew = "exit 0: nothing new or worse at or above critical (--fail-on-new)"
	)
	tests := []struct {
		name string
		// file is the config's exit policy; the config always names the
		// snapshot and the baseline.
		file string
		env  map[string]string
		args []string
		want int
		line string
	}{
		{"file fail-on-new, flag fail-on", "fail-on-new: critical\n", nil, []string{"--fail-on", "high"}, exitFindings, byFailOn},
		{"file fail-on-new, flag fail-on none", "fail-on-new: low\n", nil, []string{"--fail-on", "none"}, exitOK, "exit 0: nothing at or above none (--fail-on)"},
		{"file fail-on, flag fail-on-new", "fail-on: high\n", nil, []string{"--fail-on-new", "critical"}, exitOK, byFailOnNew},
		{"file fail-on-new, env fail-on", "fail-on-new: critical\n", map[string]string{"DGAUDIT_FAIL_ON": "high"}, nil, exitFindings, byFailOn},
		{"file fail-on, env fail-on-new", "fail-on: high\n", map[string]string{"DGAUDIT_FAIL_ON_NEW": "critical"}, nil, exitOK, byFailOnNew},
		{"env fail-on-new, flag fail-on", "", map[string]string{"DGAUDIT_FAIL_ON_NEW": "critical"}, []string{"--fail-on", "high"}, exitFindings, byFailOn},
		{"env fail-on, flag fail-on-new", "", map[string]string{"DGAUDIT_FAIL_ON": "high"}, []string{"--fail-on-new", "critical"}, exitOK, byFailOnNew},
		{"both in the file", "fail-on: high\nfail-on-new: critical\n", nil, nil, exitOK, byFailOnNew},
		{"both in the environment", "", map[string]string{"DGAUDIT_FAIL_ON": "high", "DGAUDIT_FAIL_ON_NEW": "critical"}, nil, exitOK, byFailOnNew},
		{"both on the command line", "fail-on-new: low\n", nil, []string{"--fail-on", "high", "--fail-on-new", "critical"}, exitOK, byFailOnNew},
		{"file fail-on-new over the default fail-on", "fail-on-new: critical\n", nil, nil, exitOK, byFailOnNew},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeFile(t, dir, "c"+strings.Repeat("x", i)+".yaml", "source:\n  snapshot: loop.json\nbaseline: previous.json\n"+tc.file)
			args := append([]string{"audit", "-c", cfg, "--log-level", "warn"}, tc.args...)
			code, _, stderr := dgauditEnv(t, tc.env, args...)
			if code != tc.want || !strings.Contains(stderr, tc.line) {
				t.Errorf("exit %d, want %d with %q\n%s", code, tc.want, tc.line, stderr)
			}
		})
	}
}

// TestFailOnOverrideIsLogged: when a flag sets aside the file's
// fail-on-new, the run says so, naming the file.
func TestFailOnOverrideIsLogged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSnapshotAt(t, filepath.Join(dir, "clean.json"), cleanSnapshot())
	cfg := writeFile(t, dir, "dgaudit.yaml", "source:\n  snapshot: clean.json\nfail-on-new: critical\n")
	code, _, stderr := dgaudit(t, "audit", "-c", cfg, "--fail-on", "medium")
	if code != exitOK || !strings.Contains(stderr, "--fail-on medium (command line) sets aside fail-on-new critical (config "+cfg+")") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// TestConfigCheckDescribesExitPolicy: config check says which policy the
// file sets and that fail-on-new replaces fail-on.
func TestConfigCheckDescribesExitPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct{ name, body, want string }{
		{"fail-on", "fail-on: medium\n", "; fail-on medium"},
		{"default", "outputs: [r.json]\n", "; fail-on high (default)"},
		{"fail-on-new", "fail-on-new: critical\n", "; fail-on-new critical (replaces fail-on; --fail-on or DGAUDIT_FAIL_ON overrides it)"},
		{"both", "fail-on: high\nfail-on-new: critical\nbaseline: prev.json\n", "; fail-on-new critical (replaces fail-on high; --fail-on or DGAUDIT_FAIL_ON overrides it); baseline prev.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeFile(t, dir, tt.name+".yaml", tt.body)
			code, stdout, stderr := dgaudit(t, "config", "check", cfg)
			if code != exitOK || !strings.Contains(stdout, tt.want) {
				t.Errorf("exit %d, stdout %q, want %q\n%s", code, stdout, tt.want, stderr)
			}
		})
	}
}

// TestFailOnNewNeedsBaseline: --fail-on-new without a baseline from any
// layer is a usage error naming both flags, not a run in which every group
// counts as new. A baseline from the file or the environment is one; a
// missing baseline file (a nightly job's first run) is too.
func TestFailOnNewNeedsBaseline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSnapshotAt(t, filepath.Join(dir, "clean.json"), cleanSnapshot())
	const needs = " needs --baseline"
	tests := []struct {
		name string
		file string
		env  map[string]string
		args []string
		want int
	}{
		{"flag, no baseline", "", nil, []string{"--fail-on-new", "high"}, exitUsage},
		{"file, no baseline", "fail-on-new: high\n", nil, nil, exitUsage},
		{"environment, no baseline", "", map[string]string{"DGAUDIT_FAIL_ON_NEW": "high"}, nil, exitUsage},
		{"flag, baseline on the command line", "", nil, []string{"--fail-on-new", "high", "--baseline", filepath.Join(dir, "none-yet.json")}, exitOK},
		{"flag, baseline in the file", "baseline: none-yet.json\n", nil, []string{"--fail-on-new", "high"}, exitOK},
		{"file, baseline in the file", "fail-on-new: high\nbaseline: none-yet.json\n", nil, nil, exitOK},
		{"file, baseline in the environment", "fail-on-new: high\n", map[string]string{"DGAUDIT_BASELINE": filepath.Join(dir, "none-yet.json")}, nil, exitOK},
		{"set aside by --fail-on", "fail-on-new: high\n", nil, []string{"--fail-on", "high"}, exitOK},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeFile(t, dir, "n"+strings.Repeat("x", i)+".yaml", "source:\n  snapshot: clean.json\n"+tc.file)
			code, _, stderr := dgauditEnv(t, tc.env, append([]string{"audit", "-c", cfg, "--log-level", "warn"}, tc.args...)...)
			if code != tc.want || strings.Contains(stderr, needs) != (tc.want == exitUsage) {
				t.Errorf("exit %d, want %d (with %q only on a usage error)\n%s", code, tc.want, needs, stderr)
			}
			if strings.Contains(stderr, "changes since the baseline ()") {
				t.Errorf("the summary compares with no baseline:\n%s", stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "none-yet.json")); err == nil {
		t.Error("a run wrote the baseline it was given")
	}
}

// TestEnvErrorsNameTheVariable: a bad value from a DGAUDIT_* variable is
// reported under the variable's name, not under a flag the user never gave;
// the same value on the command line is reported under the flag.
func TestEnvErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		want, lack string
	}{
		{"scan fail-on", map[string]string{"DGAUDIT_FAIL_ON": "hgh"}, []string{"scan", "--demo"}, `DGAUDIT_FAIL_ON: unknown severity "hgh"`, "--fail-on"},
		{"trace fail-on", map[string]string{"DGAUDIT_FAIL_ON": "hgh"}, []string{"trace", "logs"}, `DGAUDIT_FAIL_ON: unknown severity "hgh"`, "--fail-on"},
		{"fail-on-new", map[string]string{"DGAUDIT_FAIL_ON_NEW": "hgh", "DGAUDIT_BASELINE": "prev.json"}, []string{"audit", "--demo"}, `DGAUDIT_FAIL_ON_NEW: unknown severity "hgh"`, "--fail-on-new"},
		{"severity", map[string]string{"DGAUDIT_SEVERITY": "nope=high"}, []string{"audit", "--demo"}, "DGAUDIT_SEVERITY nope=high: no such rule", "--severity"},
		{"disable-rule", map[string]string{"DGAUDIT_DISABLE_RULE": "nope"}, []string{"audit", "--demo"}, "DGAUDIT_DISABLE_RULE nope: no such rule", "--disable-rule"},
		{"internal-domain", map[string]string{"DGAUDIT_INTERNAL_DOMAIN": "a@b"}, []string{"audit", "--demo"}, "DGAUDIT_INTERNAL_DOMAIN a@b: want a domain name", "--internal-domain"},
		{"flag beats the variable", map[string]string{"DGAUDIT_FAIL_ON": "low"}, []string{"scan", "--demo", "--fail-on", "hgh"}, `--fail-on: unknown severity "hgh"`, "DGAUDIT_FAIL_ON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgauditEnv(t, tc.env, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, tc.lack) {
				t.Errorf("exit %d, stderr %q; want exit %d, %q and not %q", code, stderr, exitUsage, tc.want, tc.lack)
			}
		})
	}
}

// TestConfigCheckWarnsFailOnNewWithoutBaseline: config check passes a file
// whose fail-on-new has no baseline, as scan may get one from the command
// line, but warns that scan and audit refuse it otherwise; a baseline in the
// file or in check's environment is one.
func TestConfigCheckWarnsFailOnNewWithoutBaseline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const warning = ":3: fail-on-new: the file names no baseline: scan and audit with it need --baseline or DGAUDIT_BASELINE"
	tests := []struct {
		name string
		file string
		env  map[string]string
		warn bool
	}{
		{"no baseline", "fail-on-new: critical\n", nil, true},
		{"baseline in the file", "fail-on-new: critical\nbaseline: prev.json\n", nil, false},
		{"baseline in the environment", "fail-on-new: critical\n", map[string]string{"DGAUDIT_BASELINE": "prev.json"}, false},
		{"no fail-on-new", "fail-on: critical\n", nil, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeFile(t, dir, fmt.Sprintf("c%d.yaml", i), "source:\n  demo: true\n"+tc.file)
			code, stdout, stderr := dgauditEnv(t, tc.env, "config", "check", cfg)
			if code != exitOK || !strings.Contains(stdout, ": ok (") {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitOK, stdout, stderr)
			}
			if got := strings.Contains(stderr, cfg+warning); got != tc.warn {
				t.Errorf("warning %v, want %v:\n%s", got, tc.warn, stderr)
			}
		})
	}
}
