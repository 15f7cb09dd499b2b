package directory

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Write writes the snapshot as indented JSON in canonical order. Objects are
// encoded one at a time so that a snapshot of a large directory does not need
// a second, encoded copy of itself in memory.
func (s *Snapshot) Write(w io.Writer) error {
	s.Normalize()
	bw := bufio.NewWriterSize(w, 1<<16)
	sw := &streamWriter{w: bw}
	sw.raw("{\n")
	sw.field("schemaVersion", s.SchemaVersion, false)
	sw.field("source", s.Source, false)
	sw.field("collectedAt", s.CollectedAt.UTC().Format(time.RFC3339), false)
	if s.Collector != "" {
		sw.field("collector", s.Collector, false)
	}
	sw.field("organization", s.Org, false)
	writeList(sw, "groups", s.Groups)
	writeList(sw, "users", s.Users)
	writeList(sw, "contacts", s.Contacts)
	sw.field("coverage", s.Coverage, true)
	sw.raw("}\n")
	if sw.err != nil {
		return fmt.Errorf("write snapshot: %w", sw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

// streamWriter writes JSON piecewise and keeps the first error.
type streamWriter struct {
	w   io.Writer
	err error
}

func (sw *streamWriter) raw(s string) {
	if sw.err == nil {
		_, sw.err = io.WriteString(sw.w, s)
	}
}

func (sw *streamWriter) value(v any, indent string) {
	if sw.err != nil {
		return
	}
	b, err := json.MarshalIndent(v, indent, "  ")
	if err != nil {
		sw.err = err
		return
	}
	_, sw.err = sw.w.Write(b)
}

func (sw *streamWriter) field(name string, v any, last bool) {
	sw.raw("  " + quote(name) + ": ")
	sw.value(v, "  ")
	if last {
		sw.raw("\n")
	} else {
		sw.raw(",\n")
	}
}

func writeList[T any](sw *streamWriter, name string, items []T) {
	if len(items) == 0 {
		sw.raw("  " + quote(name) + ": [],\n")
		return
	}
	sw.raw("  " + quote(name) + ": [\n")
	for i := range items {
		sw.raw("    ")
		sw.value(items[i], "    ")
		if i < len(items)-1 {
			sw.raw(",\n")
		} else {
			sw.raw("\n")
		}
	}
	sw.raw("  ],\n")
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
