// Command gentracking writes synthetic Exchange 2016 message-tracking logs
// for benchmarks: ordinary traffic with an NDR loop through a list, a
// spoofed internal sender, a backscatter attack and an out-of-office storm
// mixed in, split into MSGTRK files of about 10 MB as Exchange writes them.
//
//	go run ./bench/gentracking -size 2GB -seed 1 -o /tmp/msgtrk
//
// The same flags always give the same files. A summary goes to stderr.
package main
