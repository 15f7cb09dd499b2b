// Command genexport writes a synthetic organization as the export folder
// scripts/Export-DgauditData.ps1 writes, for benchmarks of
// `dgaudit collect --exchange-export`:
//
//	go run ./bench/genexport -groups 100000 -seed 1 -format json -o DIR
//
// The organization comes from directory/synthetic.Generate and is shaped by
// directory/exchange/exotest, so the same flags always give the same files.
package main
