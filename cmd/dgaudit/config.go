package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"dgaudit/audit"
	"dgaudit/rules"
)

// configEnv names the config file when -c is not given.
const configEnv = "DGAUDIT_CONFIG"

// knob is one setting that a flag, a DGAUDIT_* environment variable and the
// config file can all give.
type knob struct {
	flag string
	// env is the environment variable; "" when there is none.
	env string
	// list: the environment value is comma-separated and the flag
	// repeatable.
	list bool
	// source marks the flags that choose the source: they are taken from one
	// layer as a whole, so a --snapshot on the command line is never mixed
	// with the file's ldap section.
	source bool
	// report marks settings only commands that write reports have (collect's
	// -o is its snapshot, not a report).
	report bool
	// file returns the file's values; none when the file does not set it.
	file func(c *fileConfig) []string
	// key is the file's key when it is not the flag's name.
	key string
}

func (k knob) fileKey() string {
	if k.key != "" {
		return k.key
	}
	return k.flag
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func ldapKey(get func(l *ldapFile) []string) func(c *fileConfig) []string {
	return func(c *fileConfig) []string {
		if c.Source.LDAP == nil {
			return nil
		}
		return get(c.Source.LDAP)
	}
}

func m365Key(get func(m *M365Config) []string) func(c *fileConfig) []string {
	return func(c *fileConfig) []string {
		if c.Source.M365 == nil {
			return nil
		}
		return get(c.Source.M365)
	}
}

func boolKey(b bool) []string {
	if !b {
		return nil
	}
	return []string{"true"}
}

// knobs lists every layered setting. Settings only the file has (rule
// thresholds, password-env, client-secret-env) are in applyLayers below.
var knobs = []knob{
	{flag: "demo", source: true, file: func(c *fileConfig) []string { return boolKey(c.Source.Demo) }},
	{flag: "snapshot", env: "DGAUDIT_SNAPSHOT", source: true, file: func(c *fileConfig) []string { return one(c.resolvePath(c.Source.Snapshot)) }},
	{flag: "ldif", env: "DGAUDIT_LDIF", source: true, file: func(c *fileConfig) []string { return one(c.resolvePath(c.Source.LDIF)) }},
	{flag: "exchange-export", env: "DGAUDIT_EXCHANGE_EXPORT", source: true, file: func(c *fileConfig) []string { return one(c.resolvePath(c.Source.ExchangeExport)) }},
	{flag: "ldap-url", env: "DGAUDIT_LDAP_URL", list: true, source: true, file: ldapKey(func(l *ldapFile) []string { return l.URLs })},
	{flag: "base-dn", env: "DGAUDIT_BASE_DN", file: ldapKey(func(l *ldapFile) []string { return one(l.BaseDN) })},
	{flag: "bind-dn", env: "DGAUDIT_BIND_DN", file: ldapKey(func(l *ldapFile) []string { return one(l.BindDN) })},
	{flag: "password-file", env: "DGAUDIT_PASSWORD_FILE", file: func(c *fileConfig) []string {
		if c.Source.LDAP == nil {
			return nil
		}
		return one(c.resolvePath(c.Source.LDAP.PasswordFile))
	}},
	{flag: "ca-file", env: "DGAUDIT_CA_FILE", file: func(c *fileConfig) []string {
		switch {
		case c.Source.LDAP != nil:
			return one(c.resolvePath(c.Source.LDAP.CAFile))
		case c.Source.M365 != nil:
			return one(c.resolvePath(c.Source.M365.CAFile))
		}
		return nil
	}},
	{flag: "insecure-skip-verify", file: ldapKey(func(l *ldapFile) []string { return boolKey(l.InsecureSkipVerify) })},
	{flag: "allow-plaintext", file: ldapKey(func(l *ldapFile) []string { return boolKey(l.AllowPlaintext) })},
	{flag: "page-size", env: "DGAUDIT_PAGE_SIZE", file: ldapKey(func(l *ldapFile) []string {
		if l.PageSize == 0 {
			return nil
		}
		return []string{strconv.Itoa(l.PageSize)}
	})},
	{flag: "ldap-timeout", env: "DGAUDIT_LDAP_TIMEOUT", file: ldapKey(func(l *ldapFile) []string { return one(l.Timeout) })},
	{flag: "kerberos", file: ldapKey(func(l *ldapFile) []string { return boolKey(l.Kerberos) })},
	{flag: "keytab", file: func(c *fileConfig) []string {
		if c.Source.LDAP == nil {
			return nil
		}
		return one(c.resolvePath(c.Source.LDAP.Keytab))
	}},
	{flag: "principal", file: ldapKey(func(l *ldapFile) []string { return one(l.Principal) })},
	{flag: "krb5-conf", file: func(c *fileConfig) []string {
		if c.Source.LDAP == nil {
			return nil
		}
		return one(c.resolvePath(c.Source.LDAP.Krb5Conf))
	}},
	{flag: "m365", source: true, file: m365Key(func(m *M365Config) []string { return []string{"true"} })},
	{flag: "tenant", file: m365Key(func(m *M365Config) []string { return one(m.Tenant) })},
	{flag: "client-id", file: m365Key(func(m *M365Config) []string { return one(m.ClientID) })},
	{flag: "auth", file: m365Key(func(m *M365Config) []string { return one(m.Auth) })},
	{flag: "client-cert", file: func(c *fileConfig) []string {
		if c.Source.M365 == nil {
			return nil
		}
		return one(c.resolvePath(c.Source.M365.ClientCert))
	}},
	{flag: "client-secret-file", file: func(c *fileConfig) []string {
		if c.Source.M365 == nil {
			return nil
		}
		return one(c.resolvePath(c.Source.M365.ClientSecretFile))
	}},
	{flag: "cloud", file: m365Key(func(m *M365Config) []string { return one(m.Cloud) })},
	{flag: "authority-host", file: m365Key(func(m *M365Config) []string { return one(m.AuthorityHost) })},
	{flag: "graph-url", file: m365Key(func(m *M365Config) []string { return one(m.GraphURL) })},
	{flag: "exchange-url", file: m365Key(func(m *M365Config) []string { return one(m.ExchangeURL) })},
	{flag: "skip-exchange", file: m365Key(func(m *M365Config) []string { return boolKey(m.SkipExchange) })},
	{flag: "graph-concurrency", file: m365Key(func(m *M365Config) []string {
		if m.GraphConcurrency == 0 {
			return nil
		}
		return []string{strconv.Itoa(m.GraphConcurrency)}
	})},
	{flag: "strict", env: "DGAUDIT_STRICT", file: func(c *fileConfig) []string {
		if c.Strict == nil {
			return nil
		}
		return []string{strconv.FormatBool(*c.Strict)}
	}},
	{flag: "output", env: "DGAUDIT_OUTPUT", list: true, report: true, key: "outputs", file: func(c *fileConfig) []string {
		out := make([]string, len(c.Outputs))
		for i, o := range c.Outputs {
			out[i] = c.resolvePath(o)
		}
		return out
	}},
	{flag: "fail-on", env: "DGAUDIT_FAIL_ON", report: true, file: func(c *fileConfig) []string { return one(c.FailOn) }},
	{flag: "fail-on-new", env: "DGAUDIT_FAIL_ON_NEW", report: true, file: func(c *fileConfig) []string { return one(c.FailOnNew) }},
	{flag: "baseline", env: "DGAUDIT_BASELINE", report: true, file: func(c *fileConfig) []string { return one(c.resolvePath(c.Baseline)) }},
	{flag: "suppressions", env: "DGAUDIT_SUPPRESSIONS", report: true, file: func(c *fileConfig) []string { return one(c.resolvePath(c.Suppressions)) }},
	{flag: "internal-domain", env: "DGAUDIT_INTERNAL_DOMAIN", list: true, report: true, key: "internal-domains", file: func(c *fileConfig) []string { return c.InternalDomains }},
	{flag: "relay-client", env: "DGAUDIT_RELAY_CLIENT", list: true, report: true, key: "relay-clients", file: func(c *fileConfig) []string { return c.RelayClients }},
	{flag: "disable-rule", env: "DGAUDIT_DISABLE_RULE", list: true, report: true, key: "rules.disabled", file: func(c *fileConfig) []string { return c.Rules.Disabled }},
	{flag: "severity", env: "DGAUDIT_SEVERITY", list: true, report: true, key: "rules.severity", file: func(c *fileConfig) []string {
		var out []string
		for _, id := range sortedKeys(c.Rules.Severity) {
			out = append(out, id+"="+c.Rules.Severity[id])
		}
		return out
	}},
}

// ldapSignIn and m365SignIn are the flags that say how a source signs in;
// ldapAccount and m365Method are those among them that choose another
// account or method, which makes applyLayers set aside the file's set.
var (
	ldapSignIn  = []string{"bind-dn", "password-file", "kerberos", "keytab", "principal", "krb5-conf"}
	ldapAccount = []string{"bind-dn", "kerberos", "keytab", "principal"}
	m365SignIn  = []string{"auth", "client-cert", "client-secret-file"}
	m365Method  = []string{"auth", "client-cert"}
)

// fileOnly are the settings that only the config file gives.
type fileOnly struct {
	thresholds rules.Config
	// passwordEnv names the variable holding the LDAP password.
	passwordEnv string
	// m365SecretEnv names the variable holding the Microsoft 365 client
	// secret, when the file names one.
	m365SecretEnv string
	// notes say what the layers decided that a reader of the config file
	// would not expect; configure logs them.
	notes []string
	// unused are the file's keys the command has no setting for.
	unused []string
}

// layer is where a setting's value came from, weakest first.
type layer int

const (
	fromDefault layer = iota
	fromFile
	fromEnv
	fromFlags
)

func (l layer) String() string {
	return [...]string{"default", "config file", "environment", "command line"}[l]
}

// ownFlag marks a flag that shares a knob's name but not its meaning
// (trace's --m365 reads message trace, not the directory): applyLayers
// neither fills it nor counts it as a source.
const ownFlag = "dgaudit-own-flag"

// layered returns the flag that a knob fills, nil when the command has none.
func layered(fs *pflag.FlagSet, name string) *pflag.Flag {
	f := fs.Lookup(name)
	if f == nil || f.Annotations[ownFlag] != nil {
		return nil
	}
	return f
}

// applyLayers is where precedence is decided, in one place: a setting given
// as a flag wins; otherwise its DGAUDIT_* environment variable; otherwise the
// config file (cfg, nil for none); otherwise the flag's default. The source is
// decided as a whole by the first layer that names one. It sets the flags of
// fs that it fills, so the rest of the command reads flags only.
func applyLayers(fs *pflag.FlagSet, env func(string) string, cfg *fileConfig) (fileOnly, error) {
	out := fileOnly{thresholds: rules.DefaultConfig(), passwordEnv: passwordEnv}
	reportCmd := layered(fs, "fail-on") != nil
	sourceFrom := "default"
	for _, k := range knobs {
		switch {
		case !k.source || layered(fs, k.flag) == nil:
		case fs.Changed(k.flag):
			sourceFrom = "flags"
		case sourceFrom != "flags" && k.env != "" && env(k.env) != "":
			sourceFrom = "env"
		}
	}
	// A sign-in is taken whole too: another account (a bind DN, Kerberos)
	// or another way of signing in to Microsoft 365 (auth, a certificate)
	// from the command line or the environment sets aside the file's sign-in
	// keys, whose password or secret belongs to the file's account. A
	// password or secret file alone replaces only the file's password.
	credsGiven := func(trigger []string) bool {
		for _, k := range knobs {
			if slices.Contains(trigger, k.flag) && layered(fs, k.flag) != nil && (fs.Changed(k.flag) || k.env != "" && env(k.env) != "") {
				return true
			}
		}
		return false
	}
	ldapCreds, m365Creds := credsGiven(ldapAccount), credsGiven(m365Method)
	from := map[string]layer{}
	for _, k := range knobs {
		if layered(fs, k.flag) == nil {
			if cfg != nil && reportCmd && k.report && len(k.file(cfg)) > 0 {
				out.unused = append(out.unused, k.fileKey())
			}
			continue
		}
		if fs.Changed(k.flag) {
			from[k.flag] = fromFlags
			continue
		}
		if (k.report && !reportCmd) || (k.source && sourceFrom == "flags") {
			continue
		}
		var vals []string
		var where string
		if v := env(k.env); k.env != "" && v != "" {
			vals, where, from[k.flag] = []string{v}, k.env, fromEnv
			if k.list {
				vals = splitList(v)
			}
		} else if cfg != nil && !(k.source && sourceFrom == "env") &&
			!(ldapCreds && slices.Contains(ldapSignIn, k.flag)) && !(m365Creds && slices.Contains(m365SignIn, k.flag)) {
			vals, where = k.file(cfg), "config "+cfg.path
			if len(vals) > 0 {
				from[k.flag] = fromFile
			}
		}
		for _, v := range vals {
			if err := fs.Set(k.flag, v); err != nil {
				return out, usagef("%s: --%s %q: %v", where, k.flag, v, err)
			}
		}
	}
	out.notes = failOnPrecedence(fs, from, cfg)
	if cfg == nil {
		return out, nil
	}
	if th := cfg.Rules.Thresholds; reportCmd && layered(fs, "disable-rule") == nil && (th.BlastRecipients != nil || th.BlastExternal != nil || th.MaxSamples != nil) {
		out.unused = append(out.unused, "rules.thresholds")
	}
	if sourceFrom == "default" && cfg.Source.LDAP != nil && layered(fs, "ldap-url") == nil {
		return out, usageError{cfg.at("source.ldap", offlineOnly, "LDAP", cfg.path)}
	}
	// trace --m365 takes its sign-in from the section.
	m365Used := layered(fs, "m365") != nil || fs.Changed("m365")
	if sourceFrom == "default" && cfg.Source.M365 != nil && !m365Used {
		return out, usageError{cfg.at("source.m365", offlineOnly, "Microsoft 365", cfg.path)}
	}
	if err := checkUsedSource(fs, env, cfg, from, ldapCreds, m365Creds); err != nil {
		return out, err
	}
	out.thresholds = fileThresholds(cfg)
	if l := cfg.Source.LDAP; l != nil && l.PasswordEnv != "" && !ldapCreds {
		out.passwordEnv = l.PasswordEnv
	}
	if m := cfg.Source.M365; m != nil && !m365Creds {
		out.m365SecretEnv = m.ClientSecretEnv
	}
	return out, nil
}

// failOnPrecedence applies the layers to the exit policy as a whole.
// --fail-on-new replaces --fail-on, as its help says, when both come from
// the same layer or fail-on-new from a stronger one (a file's fail-on-new
// beats the default fail-on). A --fail-on from a stronger layer wins instead:
// a nightly job's file says fail-on-new, and an admin running the same file
// by hand with --fail-on medium means medium. It clears fail-on-new then, and
// says so.
func failOnPrecedence(fs *pflag.FlagSet, from map[string]layer, cfg *fileConfig) []string {
	failOn, failOnNew := layered(fs, "fail-on"), layered(fs, "fail-on-new")
	if failOn == nil || failOnNew == nil || failOnNew.Value.String() == "" || from["fail-on"] <= from["fail-on-new"] {
		return nil
	}
	// A bad value is still reported as one, by the command's own check.
	if _, err := audit.ParseSeverity(failOnNew.Value.String()); err != nil {
		return nil
	}
	where := from["fail-on-new"].String()
	switch {
	case from["fail-on-new"] == fromEnv:
		where = "DGAUDIT_FAIL_ON_NEW"
	case from["fail-on-new"] == fromFile && cfg != nil:
		where = "config " + cfg.path
	}
	note := fmt.Sprintf("--fail-on %s (%s) sets aside fail-on-new %s (%s)", failOn.Value, from["fail-on"], failOnNew.Value, where)
	if err := failOnNew.Value.Set(""); err != nil {
		return nil
	}
	return []string{note}
}

// offlineOnly refuses a live source in the file of a command that cannot
// read one, rather than dropping it: the file's other keys would still apply,
// and the run would look like the scheduled one.
const offlineOnly = "this command reads offline sources only (a snapshot, an LDIF export, an Exchange export or the demo); use 'dgaudit scan' or 'dgaudit collect' for %s, or give --snapshot with a snapshot that 'dgaudit collect -c %s' wrote"

// fileThresholds are the rule thresholds of the file over the defaults.
func fileThresholds(cfg *fileConfig) rules.Config {
	out := rules.DefaultConfig()
	th := cfg.Rules.Thresholds
	for _, t := range []struct {
		v   *int
		dst *int
	}{{th.BlastRecipients, &out.BlastRecipients}, {th.BlastExternal, &out.BlastExternal}, {th.MaxSamples, &out.MaxSamples}} {
		if t.v != nil {
			*t.dst = *t.v
		}
	}
	return out
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// configOptions is the -c flag of the commands that read a config file.
type configOptions struct {
	path string
}

func (o *configOptions) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.path, "config", "c", "", "read settings from this YAML file (default $"+configEnv+"; see 'dgaudit config init'); flags and DGAUDIT_* variables override it")
}

// configure loads the config file named by -c or DGAUDIT_CONFIG, if any,
// and applies the layers to the command's flags.
func (a *app) configure(cmd *cobra.Command, o *configOptions) (fileOnly, error) {
	path := o.path
	if path == "" {
		path = a.env(configEnv)
	}
	var cfg *fileConfig
	if path != "" {
		var err error
		if cfg, err = loadConfig(path, a.env, false); err != nil {
			return fileOnly{}, err
		}
		a.log.Debug("config loaded", "path", path)
	}
	fo, err := applyLayers(cmd.Flags(), a.env, cfg)
	if err != nil {
		return fo, err
	}
	for _, n := range fo.notes {
		a.log.Info(n)
	}
	if len(fo.unused) > 0 {
		// Not an error: one file serves scan and trace alike.
		a.log.Warn("config keys that do not apply to this command are not used", "config", path, "command", cmd.Name(), "keys", strings.Join(fo.unused, ", "))
	}
	return fo, nil
}

// describeConfig is the one-line summary 'config check' prints.
func describeConfig(c *fileConfig) string {
	var parts []string
	s := c.Source
	switch {
	case s.Demo:
		parts = append(parts, "source demo")
	case s.Snapshot != "":
		parts = append(parts, "source snapshot "+s.Snapshot)
	case s.LDIF != "":
		parts = append(parts, "source ldif "+s.LDIF)
	case s.LDAP != nil:
		parts = append(parts, "source ldap "+strings.Join(s.LDAP.URLs, ","))
	case s.ExchangeExport != "":
		parts = append(parts, "source exchange-export "+s.ExchangeExport)
	case s.M365 != nil:
		src := "source m365 tenant " + s.M365.Tenant
		if s.M365.Cloud != "" {
			src += " (" + s.M365.Cloud + " cloud)"
		}
		parts = append(parts, src)
	default:
		parts = append(parts, "no source (give one on the command line)")
	}
	parts = append(parts, fmt.Sprintf("%d outputs", len(c.Outputs)))
	// The exit policy the file sets, as scan and audit apply it.
	switch {
	case c.FailOnNew != "":
		replaced := "fail-on"
		if c.FailOn != "" {
			replaced += " " + c.FailOn
		}
		parts = append(parts, "fail-on-new "+c.FailOnNew+" (replaces "+replaced+"; --fail-on or DGAUDIT_FAIL_ON overrides it)")
	case c.FailOn != "":
		parts = append(parts, "fail-on "+c.FailOn)
	default:
		parts = append(parts, "fail-on "+defaultFailOn+" (default)")
	}
	if c.Baseline != "" {
		parts = append(parts, "baseline "+c.Baseline)
	}
	if c.Suppressions != "" {
		parts = append(parts, "suppressions "+c.Suppressions)
	}
	return strings.Join(parts, "; ")
}
