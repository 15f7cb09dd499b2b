package main

import (
	"errors"
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

// exchangeHint suggests what to do about an Exchange Online failure.
func exchangeHint(err error) string {
	switch {
	case errors.Is(err, exchange.ErrAuth):
		return "the access token for Exchange Online was refused: check the tenant, and that the token is for https://outlook.office365.com (or the national cloud's Exchange endpoint)"
	case errors.Is(err, exchange.ErrForbidden):
		return exchange.RoleHint
	case errors.Is(err, exchange.ErrThrottled):
		return "Exchange Online kept throttling the tenant: run again later or with lower concurrency"
	}
	return ""
}
