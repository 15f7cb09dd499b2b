package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// leaked is a value the tests put where only a secret belongs; no error may
// repeat it.
const leaked = "s3cret-value"

func TestReadSecretFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string // "" with noFile: the file does not exist
		noFile  bool
		want    string
		wantErr string
	}{
		{"first line only", leaked + "\nsecond line\n", false, leaked, ""},
		{"no line ending", leaked, false, leaked, ""},
		{"Windows line ending", leaked + "\r\n", false, leaked, ""},
		// Both copies of this code used to differ here: the client secret
		// was trimmed, the LDAP password was not. A password may begin or
		// end with a blank, so blanks are the secret's.
		{"blanks are kept", "  " + leaked + " \n", false, "  " + leaked + " ", ""},
		{"empty file", "", false, "", "the first line is empty"},
		{"empty first line", "\n" + leaked + "\n", false, "", "the first line is empty"},
		{"first line only a CR", "\r\n" + leaked, false, "", "the first line is empty"},
		{"missing file", "", true, "", "no such file"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, "absent"+strings.Repeat("x", i))
			if !tt.noFile {
				path = writeFile(t, dir, "secret"+strings.Repeat("x", i), tt.content)
			}
			got, err := readSecretFile(path)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("readSecretFile = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("readSecretFile = %q, want an error containing %q", got, tt.wantErr)
			}
			for _, want := range []string{tt.wantErr, path} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), leaked) {
				t.Errorf("error %q carries the secret", err)
			}
		})
	}
}

func TestReadSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeFile(t, dir, "good", leaked+"\n")
	blank := writeFile(t, dir, "blank", "\n"+leaked+"\n")
	tests := []struct {
		name    string
		file    string
		env     string
		want    string
		wantErr []string
	}{
		{"file", good, "", leaked, nil},
		{"environment", "", leaked, leaked, nil},
		{"neither", "", "", "", nil},
		{"both", good, "other-" + leaked, "", []string{"the client secret is given twice", "unset APP_SECRET", "drop --client-secret-file"}},
		{"file with an empty first line", blank, "", "", []string{"--client-secret-file: " + blank + ": the first line is empty"}},
		{"missing file", filepath.Join(dir, "absent"), "", "", []string{"--client-secret-file: ", "absent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := func(name string) string {
				if name == "APP_SECRET" {
					return tt.env
				}
				return ""
			}
			got, err := readSecret(secretSource{what: "client secret", fileFlag: "--client-secret-file", file: tt.file, envName: "APP_SECRET"}, env)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Fatalf("readSecret = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("readSecret error = %v, want a usage error", err)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), leaked) || got != "" {
				t.Errorf("readSecret = %q, %q: the secret escaped with an error", got, err)
			}
		})
	}
}
