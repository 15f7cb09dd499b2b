package main

import (
	"fmt"
	"os"

	"dgaudit/directory"
	"dgaudit/directory/exchange"
)

// exchangeExportSource reads an export written by
// scripts/Export-DgauditData.ps1.
//
// A folder that is missing or is a file is input that could not be read, so
// the run fails as for a missing --snapshot (exit 3), not as a usage error.
func (a *app) exchangeExportSource(dir string) (directory.Source, string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("--exchange-export: %w", err)
	}
	if !fi.IsDir() {
		return nil, "", fmt.Errorf("--exchange-export %s: not a directory (give the folder Export-DgauditData.ps1 wrote)", dir)
	}
	return exchange.Export{Dir: dir}, "exchange-export:" + dir, nil
}
