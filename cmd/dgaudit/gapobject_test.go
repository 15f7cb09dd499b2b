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
