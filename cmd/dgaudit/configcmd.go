package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
)

// starterConfig is what 'dgaudit config init' writes. It runs as it is (on
// the demo organization), so 'config check' accepts it and a first scan
// works before anything is edited. TestConfigInitIsAccepted keeps it so.
const starterConfig = `# dgaudit configuration (dgaudit scan -c dgaudit.yaml).
# Precedence: command-line flags, then DGAUDIT_* environment variables, then
# this file, then the defaults. Relative paths are relative to this file.
# Secrets are never written here: name an environment variable or a file.

source:
  # Exactly one source. The demo organization needs no server; replace it
  # with one of the others.
  demo: true
  # snapshot: corp.snapshot.json      # written by 'dgaudit collect'
  # ldif: export.ldf                  # ldifde or ldapsearch export
  # exchange-export: export-dir/     # scripts/Export-DgauditData.ps1 output
  # ldap:
  #   urls: [ldaps://dc1.corp.example, ldaps://dc2.corp.example]
  #   base-dn: DC=corp,DC=example     # default: the domain's naming context
  #   bind-dn: svc-audit@corp.example
  #   password-env: DGAUDIT_LDAP_PASSWORD   # or password-file: /etc/dgaudit/ldap.pw
  #   ca-file: /etc/dgaudit/corp-ca.pem
  #   page-size: 500
  #   timeout: 60s
  #   allow-plaintext: false          # ldap:// without StartTLS: never in production
  #   insecure-skip-verify: false     # accept any certificate: tests only
  #   kerberos: false                 # GSSAPI instead of bind-dn/password:
  #   keytab: /etc/dgaudit/svc.keytab # a keytab, or the ticket cache (kinit)
  # m365:                             # Microsoft Graph + Exchange Online
  #   tenant: contoso.onmicrosoft.com
  #   client-id: 00000000-0000-0000-0000-000000000000
  #   client-secret-env: AZURE_CLIENT_SECRET   # or client-secret-file, or client-cert: app.pfx
  #   auth: secret                    # cert, managed-identity, workload-identity, azure-cli, device-code, default
  #   cloud: public                   # usgov, usgovhigh, dod, china
  #   skip-exchange: false            # Graph only: delivery settings become gaps
  #   graph-concurrency: 4            # Graph batches in flight at once

# Domains to treat as internal besides the accepted domains (and their
# subdomains), e.g. a partner routed through this organization.
internal-domains: []

# With tracking logs: devices and applications that relay mail through the
# servers (scan-to-email printers on an anonymous relay connector), by IP
# address or host name. Their mail is not from outside.
relay-clients: []

rules:
  disabled: []                        # rule IDs from 'dgaudit rules'
  severity: {}                        # e.g. {no-owner: medium}
  thresholds:
    blast-recipients: 1000            # large-blast-radius: expanded recipients
    blast-external: 100               # large-blast-radius: external recipients
    max-samples: 10                   # members listed in a finding's evidence

# Reports to write, format from the extension: .xlsx .json .csv .jsonl
outputs: []
# outputs: [/var/lib/dgaudit/report.xlsx, /var/lib/dgaudit/report.json]

# Exit 1 when a finding is at or above this severity (none: never).
fail-on: high

# Nightly jobs: compare with the previous JSON report and fail only on what is
# new or worse. A missing baseline file means everything is new. fail-on-new
# replaces fail-on; --fail-on on the command line (or DGAUDIT_FAIL_ON) sets
# it aside for that run.
# baseline: /var/lib/dgaudit/previous.json
# fail-on-new: critical

# Accepted risks (see the README): by group object ID and rule, with a
# reason, an owner and an expiry date.
# suppressions: suppressions.yaml

# Fail with no report instead of reporting with gaps.
strict: false
`

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Write a starter config file, or check one",
		Args:  noArgs,
	}
	var force bool
	initCmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented starter dgaudit.yaml (to stdout without FILE)",
		Example: `  dgaudit config init dgaudit.yaml
  dgaudit config init > dgaudit.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 || args[0] == "-" {
				_, err := io.WriteString(a.stdout, starterConfig)
				return err
			}
			path := args[0]
			// A directory is refused before --force is suggested: --force
			// would not make it a file.
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				return usagef("%s: is a directory; name a file", path)
			} else if err == nil && !force {
				return usagef("%s exists; give --force to overwrite it", path)
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return usagef("%s: %v", path, err)
			}
			if err := checkTargetDir(path); err != nil {
				return usagef("%s: %v", path, err)
			}
			if err := writeFileAtomic(path, func(w io.Writer) error {
				_, err := io.WriteString(w, starterConfig)
				return err
			}); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			fmt.Fprintf(a.stderr, "dgaudit: wrote %s; check it with: dgaudit config check %s\n", path, path)
			return nil
		},
	}
	initCmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	checkCmd := &cobra.Command{
		Use:     "check FILE",
		Short:   "Validate a config file: every unknown key, bad value and missing secret, with its line",
		Example: `  dgaudit config check /etc/dgaudit/dgaudit.yaml`,
		// cobra's "accepts 1 arg(s), received 0" does not say which.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes the config FILE to check (such as dgaudit.yaml), got %d arguments", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := loadConfig(args[0], a.env, true)
			if err != nil {
				return err
			}
			if cfg.Suppressions != "" {
				if _, err := loadSuppressions(cfg.resolvePath(cfg.Suppressions), catalogue(fileThresholds(cfg))); err != nil {
					return err
				}
			}
			// scan and audit refuse fail-on-new without a baseline (resolve).
			// The file is still valid, as one without a source is: the
			// baseline may come from the command line. The environment is
			// known here, as it is for secrets, so a DGAUDIT_BASELINE counts.
			if env := envOf("baseline"); cfg.FailOnNew != "" && cfg.Baseline == "" && a.env(env) == "" {
				fmt.Fprintf(a.stderr, "dgaudit: warning: %v\n", cfg.at("fail-on-new", "the file names no baseline: scan and audit with it need --baseline or %s (a previous run's JSON report; a file that does not exist yet is fine), or they exit 2", env))
			}
			fmt.Fprintf(a.stdout, "%s: ok (%s)\n", args[0], describeConfig(cfg))
			return nil
		},
	}
	cmd.AddCommand(initCmd, checkCmd)
	return cmd
}
