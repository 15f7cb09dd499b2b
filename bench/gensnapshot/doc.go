// Command gensnapshot writes a synthetic snapshot for benchmarks:
//
//	go run ./bench/gensnapshot -groups 100000 -seed 1 -o synthetic.json
//
// The snapshot comes from directory/synthetic.Generate, so the same flags
// always give the same file. A summary goes to stderr.
package main
