package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"dgaudit/audit"
	"dgaudit/directory/graph"
	"dgaudit/reports"
	"dgaudit/rules"
)

// fileConfig is dgaudit.yaml. Keys are kebab-case, like the flags they
// mirror; docs in the starter file (dgaudit config init) and the README.
type fileConfig struct {
	Source          sourceFile `yaml:"source"`
	InternalDomains []string   `yaml:"internal-domains"`
	RelayClients    []string   `yaml:"relay-clients"`
	Rules           rulesFile  `yaml:"rules"`
	Outputs         []string   `yaml:"outputs"`
	FailOn          string     `yaml:"fail-on"`
	FailOnNew       string     `yaml:"fail-on-new"`
	Baseline        string     `yaml:"baseline"`
	Suppressions    string     `yaml:"suppressions"`
	Strict          *bool      `yaml:"strict"`

	// path is the file the config came from; relative paths inside it are
	// relative to its directory, so a scheduled job's working directory does
	// not matter.
	path string
	// lines maps key paths to their line, for messages after decoding.
	lines map[string]int
}

type sourceFile struct {
	Demo     bool   `yaml:"demo"`
	Snapshot string `yaml:"snapshot"`
	LDIF     string `yaml:"ldif"`
	// ExchangeExport is a folder Export-DgauditData.ps1 wrote.
	ExchangeExport string      `yaml:"exchange-export"`
	LDAP           *ldapFile   `yaml:"ldap"`
	M365           *M365Config `yaml:"m365"`
}

type ldapFile struct {
	URLs               []string `yaml:"urls"`
	BaseDN             string   `yaml:"base-dn"`
	BindDN             string   `yaml:"bind-dn"`
	PasswordEnv        string   `yaml:"password-env"`
	PasswordFile       string   `yaml:"password-file"`
	CAFile             string   `yaml:"ca-file"`
	InsecureSkipVerify bool     `yaml:"insecure-skip-verify"`
	AllowPlaintext     bool     `yaml:"allow-plaintext"`
	PageSize           int      `yaml:"page-size"`
	Timeout            string   `yaml:"timeout"`
	Kerberos           bool     `yaml:"kerberos"`
	Keytab             string   `yaml:"keytab"`
	Principal          string   `yaml:"principal"`
	Krb5Conf           string   `yaml:"krb5-conf"`
}

// M365Config is the Microsoft 365 (Graph) source's section. It mirrors the
// source's flags; the client secret comes from ClientSecretEnv (default
// AZURE_CLIENT_SECRET) or ClientSecretFile, never from the file itself.
type M365Config struct {
	Tenant           string `yaml:"tenant"`
	ClientID         string `yaml:"client-id"`
	ClientCert       string `yaml:"client-cert"`
	ClientSecretEnv  string `yaml:"client-secret-env"`
	ClientSecretFile string `yaml:"client-secret-file"`
	Cloud            string `yaml:"cloud"`
	AuthorityHost    string `yaml:"authority-host"`
	GraphURL         string `yaml:"graph-url"`
	ExchangeURL      string `yaml:"exchange-url"`
	Auth             string `yaml:"auth"`
	SkipExchange     bool   `yaml:"skip-exchange"`
	GraphConcurrency int    `yaml:"graph-concurrency"`
	// CAFile is a TLS-inspecting proxy's or a private endpoint's CA.
	CAFile string `yaml:"ca-file"`
}

// m365SecretEnv is where the client secret is read from by default, the
// name the Azure SDKs use.
const m365SecretEnv = "AZURE_CLIENT_SECRET"

// m365Clouds are the national clouds the section accepts.
var m365Clouds = graph.Clouds()

type rulesFile struct {
	Disabled   []string          `yaml:"disabled"`
	Severity   map[string]string `yaml:"severity"`
	Thresholds thresholdsFile    `yaml:"thresholds"`
}

type thresholdsFile struct {
	BlastRecipients *int `yaml:"blast-recipients"`
	BlastExternal   *int `yaml:"blast-external"`
	MaxSamples      *int `yaml:"max-samples"`
}

// secretKeys are keys people reach for to put a secret in the file. They are
// refused with the reason, rather than as unknown keys.
var secretKeys = map[string]string{
	"password":      "password-env (the name of an environment variable) or password-file",
	"bind-password": "password-env (the name of an environment variable) or password-file",
	"client-secret": "client-secret-env (default " + m365SecretEnv + ") or client-secret-file",
	"secret":        "an environment variable or a file",
}

// loadConfig reads and validates a config file. Every problem is reported,
// each as FILE:LINE: KEY: what is wrong. With secrets set, the files and
// secrets the file's sources name must be there too ('config check'); a run
// checks only those of the source it uses (see checkUsedSource), since a
// source from the command line or the environment replaces the file's.
func loadConfig(path string, env func(string) string, secrets bool) (*fileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("config: %v", err)
	}
	cfg, err := parseConfig(path, data)
	if cfg == nil {
		return nil, err
	}
	// Values are checked even when some keys did not decode, so that one
	// run reports every problem; a key that failed stays at its zero value,
	// which the checks accept, so nothing is reported twice.
	var serrs []error
	if secrets {
		serrs = cfg.sourceProblems(env, everySource)
	}
	if verr := cfg.validate(env); verr != nil || err != nil || len(serrs) > 0 {
		return nil, usageError{errors.Join(unwrapUsage(err), unwrapUsage(verr), errors.Join(serrs...))}
	}
	return cfg, nil
}

// unwrapUsage strips the usageError wrapper so that joined errors do not
// nest it.
func unwrapUsage(err error) error {
	var u usageError
	if errors.As(err, &u) {
		return u.err
	}
	return err
}

// parseConfig decodes strictly: unknown keys, duplicate keys, values of the
// wrong type and inline secrets are all collected, not just the first. It
// returns the config decoded so far with those problems, and no config when
// the file is not YAML at all.
func parseConfig(path string, data []byte) (*fileConfig, error) {
	cfg := &fileConfig{path: path, lines: map[string]int{}}
	d := &decoder{file: path, lines: cfg.lines}
	if err := decodeYAML(path, data, d, cfg); err != nil {
		if len(d.errs) == 0 {
			return nil, err
		}
		return cfg, err
	}
	return cfg, nil
}

// decodeYAML decodes one YAML document into out (a pointer to a struct)
// with d, returning every problem at once.
func decodeYAML(path string, data []byte, d *decoder, out any) error {
	var doc yaml.Node
	// The document is decoded to nodes and walked by decoder rather than
	// decoded with KnownFields, which names lines but not key paths.
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return usagef("%s: the file is empty", path)
		}
		return usagef("%s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.decode(root, "", reflect.ValueOf(out).Elem())
	if len(d.errs) > 0 {
		return usageError{errors.Join(d.errs...)}
	}
	return nil
}

// decoder walks a YAML node tree into a struct by its yaml tags, recording
// every problem with its key path and line.
type decoder struct {
	file  string
	lines map[string]int
	errs  []error
}

func (d *decoder) errorf(line int, path, format string, args ...any) {
	d.errs = append(d.errs, fmt.Errorf("%s:%d: %s: %s", d.file, line, path, fmt.Sprintf(format, args...)))
}

var durationType = reflect.TypeOf(time.Duration(0))

func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	if path != "" {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.AliasNode {
		d.errorf(n.Line, path, "aliases are not supported in the config file")
		return
	}
	if v.Kind() == reflect.Pointer {
		if n.Tag == "!!null" {
			return
		}
		if v.IsNil() && v.Type().Elem().Kind() != reflect.Struct {
			// A value that does not decode stays unset, so that it is
			// reported once, as what the file holds, and not again by a
			// range check as the zero value.
			nv, before := reflect.New(v.Type().Elem()), len(d.errs)
			if d.decode(n, path, nv.Elem()); len(d.errs) == before {
				v.Set(nv)
			}
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, path, v.Elem())
		return
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct {
		d.decodeList(n, path, v)
		return
	}
	if v.Kind() != reflect.Struct {
		// yaml.v3 truncates a fraction decoded into an int (1.5 becomes 1,
		// 0.5 becomes 0), which would pass or fail the range checks for a
		// number the file does not hold.
		if v.Kind() == reflect.Int && v.Type() != durationType && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" {
			d.errorf(n.Line, path, "want %s, got %s", describe(v.Type()), shown(n))
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.errorf(n.Line, path, "want %s, got %s", describe(v.Type()), shown(n))
		}
		return
	}
	if n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, pathOr(path), "want a mapping of keys, got %s", shown(n))
		return
	}
	fields := map[string]int{}
	var names []string
	for i := 0; i < v.NumField(); i++ {
		tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			fields[tag] = i
			names = append(names, tag)
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := k.Value
		kp := join(path, key)
		if first, dup := seen[key]; dup {
			d.errorf(k.Line, kp, "given twice (first on line %d)", first)
			continue
		}
		seen[key] = k.Line
		if instead, ok := secretKeys[key]; ok {
			d.errorf(k.Line, kp, "secrets are never read from the config file, which is easily world-readable or committed; use %s", instead)
			continue
		}
		fi, ok := fields[key]
		if !ok {
			d.errorf(k.Line, kp, "unknown key (known here: %s)", strings.Join(names, ", "))
			continue
		}
		d.decode(val, kp, v.Field(fi))
	}
}

// decodeList decodes a list of mappings item by item, so that each item is
// as strict as a top-level mapping.
func (d *decoder) decodeList(n *yaml.Node, path string, v reflect.Value) {
	if n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n.Line, path, "want a list, got %s", shown(n))
		return
	}
	v.Set(reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content)))
	for i, item := range n.Content {
		d.decode(item, fmt.Sprintf("%s[%d]", path, i), v.Index(i))
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func pathOr(p string) string {
	if p == "" {
		return "(top level)"
	}
	return p
}

func describe(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a duration such as 60s"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Int:
		return "a whole number"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Slice:
		return "a list of " + strings.TrimPrefix(describe(t.Elem()), "a ") + "s"
	case t.Kind() == reflect.Map:
		return "a mapping of " + describe(t.Key()) + " to " + describe(t.Elem())
	}
	return t.String()
}

func shown(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return fmt.Sprintf("%q", v)
}

// at formats a problem found after decoding, with the key's line.
func (c *fileConfig) at(path, format string, args ...any) error {
	line := c.lines[path]
	for p := path; line == 0 && strings.ContainsAny(p, ".["); {
		p = p[:strings.LastIndexAny(p, ".[")]
		line = c.lines[p]
	}
	return fmt.Errorf("%s:%d: %s: %s", c.path, line, path, fmt.Sprintf(format, args...))
}

// resolvePath makes a path in the file relative to the file's directory.
func (c *fileConfig) resolvePath(p string) string {
	if p == "" || p == "-" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// validate checks values against each other, the rule catalogue and the
// environment (secrets must be there), reporting every problem.
func (c *fileConfig) validate(env func(string) string) error {
	var errs []error
	bad := func(path, format string, args ...any) { errs = append(errs, c.at(path, format, args...)) }

	s := &c.Source
	var chosen []string
	for _, x := range []struct {
		name string
		set  bool
	}{{"demo", s.Demo}, {"snapshot", s.Snapshot != ""}, {"ldif", s.LDIF != ""}, {"exchange-export", s.ExchangeExport != ""}, {"ldap", s.LDAP != nil}, {"m365", s.M365 != nil}} {
		if x.set {
			chosen = append(chosen, x.name)
		}
	}
	if len(chosen) > 1 {
		bad("source", "choose one source, the file sets %s", strings.Join(chosen, " and "))
	}
	if l := s.LDAP; l != nil {
		errs = append(errs, c.validateLDAP(l, env)...)
	}
	if m := s.M365; m != nil {
		errs = append(errs, c.validateM365(m, env)...)
	}

	for i, d := range c.InternalDomains {
		if strings.TrimSpace(d) == "" || strings.ContainsAny(d, "@ /*") {
			bad(fmt.Sprintf("internal-domains[%d]", i), "%q: %s", d, internalDomainWant)
		}
	}
	known := map[string]bool{}
	for _, r := range rules.All(rules.DefaultConfig()) {
		known[r.ID] = true
	}
	for _, id := range c.Rules.Disabled {
		if !known[id] {
			bad("rules.disabled", "%q: no such rule (see 'dgaudit rules')", id)
		}
	}
	for _, id := range sortedKeys(c.Rules.Severity) {
		if !known[id] {
			bad("rules.severity."+id, "no such rule (see 'dgaudit rules')")
		}
		if _, err := audit.ParseSeverity(c.Rules.Severity[id]); err != nil {
			bad("rules.severity."+id, "%v", err)
		}
	}
	th := c.Rules.Thresholds
	for _, t := range []struct {
		key string
		v   *int
	}{{"blast-recipients", th.BlastRecipients}, {"blast-external", th.BlastExternal}, {"max-samples", th.MaxSamples}} {
		if t.v != nil && *t.v < 1 {
			bad("rules.thresholds."+t.key, "want a number of at least 1, got %d", *t.v)
		}
	}
	for i, o := range c.Outputs {
		if _, err := reports.FormatForPath(o); err != nil {
			bad(fmt.Sprintf("outputs[%d]", i), "%v", err)
		} else if o != "-" {
			if err := checkTargetDir(c.resolvePath(o)); err != nil {
				bad(fmt.Sprintf("outputs[%d]", i), "%v", err)
			}
		}
	}
	if c.FailOn != "" {
		if _, err := parseFailOn(c.FailOn); err != nil {
			bad("fail-on", "%v", err)
		}
	}
	if c.FailOnNew != "" {
		if _, err := audit.ParseSeverity(c.FailOnNew); err != nil {
			bad("fail-on-new", "%v", err)
		}
	}
	if c.Suppressions != "" {
		if _, err := os.Stat(c.resolvePath(c.Suppressions)); err != nil {
			bad("suppressions", "%v", err)
		}
	}
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	return nil
}

func (c *fileConfig) validateLDAP(l *ldapFile, env func(string) string) []error {
	var errs []error
	bad := func(path, format string, args ...any) { errs = append(errs, c.at(path, format, args...)) }
	if len(l.URLs) == 0 {
		bad("source.ldap.urls", "at least one domain controller URL is required (ldaps://dc1.corp.example)")
	}
	for i, u := range l.URLs {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "ldap" && p.Scheme != "ldaps") || p.Host == "" {
			bad(fmt.Sprintf("source.ldap.urls[%d]", i), "%q: want ldaps://host[:port] or ldap://host[:port]", u)
		}
	}
	if l.PageSize < 0 || l.PageSize > 1000 {
		bad("source.ldap.page-size", "want 1 to 1000 (AD's MaxPageSize), got %d", l.PageSize)
	}
	if l.Timeout != "" {
		if d, err := time.ParseDuration(l.Timeout); err != nil || d <= 0 {
			bad("source.ldap.timeout", "want a duration such as 60s, got %q", l.Timeout)
		}
	}
	for _, f := range []struct{ key, path string }{{"keytab", l.Keytab}, {"krb5-conf", l.Krb5Conf}} {
		if f.path != "" && !l.Kerberos {
			bad("source.ldap."+f.key, "only used with kerberos: true")
		}
	}
	if l.Kerberos && (l.BindDN != "" || l.PasswordEnv != "" || l.PasswordFile != "") {
		bad("source.ldap.kerberos", "Kerberos binds with a ticket or keytab: drop bind-dn, password-env and password-file")
	} else if l.PasswordEnv != "" && l.PasswordFile != "" {
		bad("source.ldap.password-env", "give password-env or password-file, not both")
	}
	return errs
}

func (c *fileConfig) validateM365(m *M365Config, env func(string) string) []error {
	var errs []error
	bad := func(path, format string, args ...any) { errs = append(errs, c.at(path, format, args...)) }
	if m.Tenant == "" {
		bad("source.m365.tenant", "required: the tenant ID or its initial domain (contoso.onmicrosoft.com)")
	}
	if m.ClientID == "" {
		bad("source.m365.client-id", "required: the application (client) ID of the app registration")
	}
	if m.Cloud != "" && !slices.Contains(m365Clouds, m.Cloud) {
		bad("source.m365.cloud", "%q: want one of %s", m.Cloud, strings.Join(m365Clouds, ", "))
	}
	for _, u := range []struct{ key, v string }{{"authority-host", m.AuthorityHost}, {"graph-url", m.GraphURL}, {"exchange-url", m.ExchangeURL}} {
		if u.v == "" {
			continue
		}
		if p, err := url.Parse(u.v); err != nil || p.Scheme != "https" || p.Host == "" {
			bad("source.m365."+u.key, "%q: want an https:// URL", u.v)
		}
	}
	if m.GraphConcurrency < 0 {
		bad("source.m365.graph-concurrency", "want a number of at least 1, got %d", m.GraphConcurrency)
	}
	if m.Auth != "" && !slices.Contains(graph.AuthKinds(), m.Auth) {
		bad("source.m365.auth", "%q: want one of %s", m.Auth, strings.Join(graph.AuthKinds(), ", "))
	}
	switch {
	case m.Auth != "" && m.Auth != string(graph.AuthSecret) && m.Auth != string(graph.AuthCertificate):
		// Managed identity, workload identity, the Azure CLI, device code
		// and the default chain bring their own credentials.
	case m.ClientCert != "" && (m.ClientSecretEnv != "" || m.ClientSecretFile != ""):
		bad("source.m365.client-cert", "give a client certificate or a client secret, not both")
	case m.ClientSecretEnv != "" && m.ClientSecretFile != "":
		bad("source.m365.client-secret-env", "give client-secret-env or client-secret-file, not both")
	}
	return errs
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
