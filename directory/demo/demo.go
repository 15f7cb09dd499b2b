package demo

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"

	"dgaudit/directory"
)

//go:embed demo.json
var snapshotJSON []byte

// Source is the demo organization as a directory.Source. The zero value is
// ready to use.
type Source struct{}

// Snapshot decodes the embedded snapshot. Each call returns a fresh copy, so
// a caller may modify what it gets without affecting later calls.
func (Source) Snapshot(ctx context.Context) (*directory.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := directory.Decode(snapshotJSON)
	if err != nil {
		// Only a broken build can get here: a test decodes the same bytes.
		return nil, fmt.Errorf("demo snapshot: %w", err)
	}
	return s, nil
}

// JSON returns a copy of the embedded snapshot file, for writing it out as an
// example of the format.
func JSON() []byte { return bytes.Clone(snapshotJSON) }
