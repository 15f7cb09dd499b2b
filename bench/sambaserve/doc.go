// Command sambaserve starts the test Samba AD DC of directory/ldap/sambatest
// outside a test binary, for benchmarks and manual checks:
//
//	go run ./bench/sambaserve -addr 127.0.0.12 -fixture
//
// It prints shell assignments (SAMBA_DIR, SAMBA_ADDR, SAMBA_CA, SAMBA_KRB5,
// SAMBA_BASE, SAMBA_ADMIN) on stdout once the server answers, then runs
// until its stdin closes or it gets SIGINT/SIGTERM, and stops the server
// (killing its whole process group) and removes its directory.
package main
