package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"dgaudit/directory/demo/internal/build"
)

func main() {
	out := flag.String("o", "demo.json", "file to write")
	flag.Parse()
	var buf bytes.Buffer
	if err := build.Snapshot().Write(&buf); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	// Written in one go after the snapshot is complete, so a failure never
	// leaves a half-written demo.json behind.
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
