package main

import (
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
)

// app holds what every command shares: the streams, the environment and the
// logger. There are no package-level variables.
type app struct {
	stdout, stderr io.Writer
	env            func(string) string
	log            *slog.Logger

	logLevel  string
	logFormat string
	verbose   bool
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "dgaudit",
		Short: "Audit mail-enabled groups for NDR loops, out-of-office storms and related risks",
		Long: `dgaudit reads mail-enabled groups from Active Directory (LDAP or an LDIF export), from
Microsoft 365 (Microsoft Graph and Exchange Online), from an Exchange export folder
(scripts/Export-DgauditData.ps1), from a snapshot file or from its embedded demo
organization, scores every group against the four loop preconditions (open to outside
senders, external members, delivery reports to the originator, out-of-office replies
flowing back) and related risks, and writes the findings to Excel (.xlsx), JSON, CSV and
JSON Lines (.jsonl). 'trace' looks for loops, spoofed senders, backscatter and
out-of-office storms in message-tracking logs.

Collect, then judge, then write: 'collect' saves a snapshot, 'audit' judges a snapshot,
'scan' does both in one run.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setupLogging()
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.StringVar(&a.logFormat, "log-format", "text", "log format on stderr: text or json")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "debug logging (same as --log-level debug)")
	root.AddCommand(a.scanCmd(), a.collectCmd(), a.auditCmd(), a.rulesCmd(), a.versionCmd(), a.configCmd(), a.remediateCmd(), a.diffCmd(), a.traceCmd())
	return root
}

func (a *app) setupLogging() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", a.logLevel)
	}
	if a.verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	switch a.logFormat {
	case "text":
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	case "json":
		a.log = slog.New(slog.NewJSONHandler(&jsonTerminalWriter{w: a.stderr}, opts))
	default:
		return usagef("--log-format %q: want text or json", a.logFormat)
	}
	return nil
}

// isCobraUsage recognises cobra's own argument errors, which it returns as
// plain errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "required flag"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}
