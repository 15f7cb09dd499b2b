package main

import (
	"os"

	"dgaudit/directory"
	"dgaudit/directory/exchange"
)

// exchangeExportSource reads an export written by
// scripts/Export-DgauditData.ps1.
func (a *app) exchangeExportSource(dir string) (directory.Source, string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, "", usagef("--exchange-export: %v", err)
	}
	if !fi.IsDir() {
		return nil, "", usagef("--exchange-export %s: not a directory (give the folder Export-DgauditData.ps1 wrote)", dir)
	}
	return exchange.Export{Dir: dir}, "exchange-export:" + dir, nil
}
