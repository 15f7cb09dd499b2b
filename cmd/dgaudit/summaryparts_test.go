package main

import (
	"testing"

	"dgaudit/audit"
)

func TestGapObjectNamesTheGroup(t *testing.T) {
	t.Parallel()
	rep := &audit.Report{Groups: []audit.GroupResult{{ID: "0dd3cb12", Name: "All Contractors"}, {ID: "nameless"}}}
	for object, want := range map[string]string{
		"0dd3cb12":           "All Contractors (0dd3cb12)",
		"nameless":           "nameless",
		"CN=EX01,CN=Servers": "CN=EX01,CN=Servers",
		"":                   "",
	} {
		if got := gapObject(rep, object); got != want {
			t.Errorf("gapObject(%q) = %q, want %q", object, got, want)
		}
	}
}

func TestReadCountLeavesOutFailedFiles(t *testing.T) {
	t.Parallel()
	ok, failed := audit.TrafficFile{Path: "a"}, audit.TrafficFile{Path: "b", Error: "HTTP 503"}
	for _, tt := range []struct {
		files []audit.TrafficFile
		want  string
	}{
		{[]audit.TrafficFile{ok, ok, ok}, "3"},
		{[]audit.TrafficFile{ok, failed, failed}, "1 of 3"},
		{nil, "0"},
	} {
		if got := readCount(tt.files); got != tt.want {
			t.Errorf("readCount(%v) = %q, want %q", tt.files, got, tt.want)
		}
	}
}
