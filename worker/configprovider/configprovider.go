// Package configprovider resolves ${provider:path:key} placeholders in connector configs with the worker's
// config providers (KIP-297, KIP-421): Kafka's FileConfigProvider, DirectoryConfigProvider and
// EnvVarConfigProvider under their Java class names and settings, declared with config.providers.
//
// Unlike Kafka, which leaves a placeholder of an unknown provider or a missing key in place as literal text,
// Transform reports it as an error naming the key and the provider: a secret must never be used as its
// placeholder.
package configprovider

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/connectd/connectd/worker/properties"
)

// Class names of the built-in providers.
const (
	FileClass      = "org.apache.kafka.common.config.provider.FileConfigProvider"
	DirectoryClass = "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
	EnvVarClass    = "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
)

// Provider is one configured provider: Get returns the values of keys under path; keys it does not have are
// left out.
type Provider interface {
	Get(path string, keys []string) (map[string]string, error)
}

// pattern is Kafka's ConfigTransformer.DEFAULT_PATTERN: ${provider:[path:]key}, lazily matched.
var pattern = regexp.MustCompile(`\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`)

// HasPlaceholder reports whether v contains a ${provider:[path:]key} placeholder.
func HasPlaceholder(v string) bool { return pattern.MatchString(v) }

// Providers are the worker's config providers, by name. The zero value (no providers) still reports every
// placeholder as unresolvable.
type Providers struct {
	byName map[string]Provider
}

// ErrUnresolved is wrapped by every *UnresolvedError.
var ErrUnresolved = errors.New("unresolved config placeholder")

// UnresolvedError is a placeholder Transform could not resolve: its provider is not configured, or it has no
// value for the key, or reading it failed.
type UnresolvedError struct {
	// Key is the config key whose value holds the placeholder.
	Key string
	// Provider is the placeholder's provider name, Path and Var its path and key.
	Provider, Path, Var string
	// Err is the provider's failure, if that was the cause.
	Err error
	// Unknown is set when the provider is not configured.
	Unknown bool
}

func (e *UnresolvedError) Error() string {
	ref := "${" + e.Provider + ":" + e.Var + "}"
	if e.Path != "" {
		ref = "${" + e.Provider + ":" + e.Path + ":" + e.Var + "}"
	}
	switch {
	case e.Unknown:
		return fmt.Sprintf("Cannot resolve %s in %s: no config provider named '%s' is configured (config.providers)", ref, e.Key, e.Provider)
	case e.Err != nil:
		return fmt.Sprintf("Cannot resolve %s in %s: config provider '%s' failed: %v", ref, e.Key, e.Provider, e.Err)
	}
	return fmt.Sprintf("Cannot resolve %s in %s: config provider '%s' has no value for key '%s'", ref, e.Key, e.Provider, e.Var)
}

func (e *UnresolvedError) Unwrap() []error { return []error{ErrUnresolved, e.Err} }

// New builds the providers a worker's properties declare: config.providers=<names>, and for each name
// config.providers.<name>.class and config.providers.<name>.param.<k>. A name without a class declares no
// provider, as in Kafka. An unknown class or invalid params are errors, as Kafka's worker fails to start.
// env is the environment the EnvVarConfigProvider reads (os.Environ() in production), snapshotted now.
func New(props map[string]string, env []string) (*Providers, error) {
	p := &Providers{byName: map[string]Provider{}}
	var errs []error
	for _, name := range properties.Items(props["config.providers"]) {
		class := strings.TrimSpace(props["config.providers."+name+".class"])
		if class == "" {
			continue
		}
		params := map[string]string{}
		prefix := "config.providers." + name + ".param."
		for k, v := range props {
			if strings.HasPrefix(k, prefix) {
				params[k[len(prefix):]] = v
			}
		}
		prov, err := newProvider(class, params, env)
		if err != nil {
			errs = append(errs, fmt.Errorf("config.providers.%s.class=%s: %w", name, class, err))
			continue
		}
		p.byName[name] = prov
	}
	return p, errors.Join(errs...)
}

// aliases are the names Kafka's plugin loader accepts for each provider class: the full and simple class
// names, and the simple name without "ConfigProvider".
var aliases = map[string]string{}

func init() {
	for _, c := range []string{FileClass, DirectoryClass, EnvVarClass} {
		simple := c[strings.LastIndex(c, ".")+1:]
		aliases[c], aliases[simple], aliases[strings.TrimSuffix(simple, "ConfigProvider")] = c, c, c
	}
}

func newProvider(class string, params map[string]string, env []string) (Provider, error) {
	switch aliases[class] {
	case FileClass:
		allowed, err := allowedPaths(params["allowed.paths"])
		return fileProvider{allowed: allowed}, err
	case DirectoryClass:
		allowed, err := allowedPaths(params["allowed.paths"])
		return dirProvider{allowed: allowed}, err
	case EnvVarClass:
		return newEnvProvider(params, env)
	}
	return nil, fmt.Errorf("Failed to find any class that implements ConfigProvider and which name matches %s, "+ //nolint:staticcheck // Kafka's message
		"available ConfigProviders are: %s", class, strings.Join([]string{FileClass, DirectoryClass, EnvVarClass}, ", "))
}

// Names returns the configured provider names, sorted.
func (p *Providers) Names() []string {
	if p == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(p.byName))
}

type ref struct {
	key, provider, path, variable string
}

// Transform returns config with every placeholder replaced by its value, and whether any value had one. Every
// placeholder that cannot be resolved is reported as an *UnresolvedError (joined), and then the result is nil.
// Lookups are grouped by provider and path, one Get call each, as Kafka's ConfigTransformer does.
func (p *Providers) Transform(config map[string]string) (map[string]string, error) {
	var refs []ref
	for _, k := range slices.Sorted(maps.Keys(config)) {
		for _, m := range pattern.FindAllStringSubmatch(config[k], -1) {
			refs = append(refs, ref{key: k, provider: m[1], path: m[3], variable: m[4]})
		}
	}
	if len(refs) == 0 {
		return config, nil
	}
	type group struct{ provider, path string }
	wanted := map[group][]string{}
	for _, r := range refs {
		g := group{r.provider, r.path}
		if !slices.Contains(wanted[g], r.variable) {
			wanted[g] = append(wanted[g], r.variable)
		}
	}
	values := map[group]map[string]string{}
	failed := map[group]error{}
	for g, keys := range wanted {
		prov := p.lookup(g.provider)
		if prov == nil {
			continue
		}
		v, err := prov.Get(g.path, keys)
		if err != nil {
			failed[g] = err
			continue
		}
		values[g] = v
	}
	var errs []error
	for _, r := range refs {
		g := group{r.provider, r.path}
		ue := &UnresolvedError{Key: r.key, Provider: r.provider, Path: r.path, Var: r.variable}
		switch {
		case p.lookup(r.provider) == nil:
			ue.Unknown = true
		case failed[g] != nil:
			ue.Err = failed[g]
		default:
			if _, ok := values[g][r.variable]; ok {
				continue
			}
		}
		errs = append(errs, ue)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := make(map[string]string, len(config))
	for k, v := range config {
		out[k] = pattern.ReplaceAllStringFunc(v, func(s string) string {
			m := pattern.FindStringSubmatch(s)
			return values[group{m[1], m[3]}][m[4]]
		})
	}
	return out, nil
}

func (p *Providers) lookup(name string) Provider {
	if p == nil {
		return nil
	}
	return p.byName[name]
}

// Unresolved returns the UnresolvedErrors err holds, for callers that report them per key.
func Unresolved(err error) []*UnresolvedError {
	var out []*UnresolvedError
	var walk func(error)
	walk = func(e error) {
		if ue, ok := e.(*UnresolvedError); ok { //nolint:errorlint // walking a join tree by hand
			out = append(out, ue)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

// allowedPaths parses allowed.paths (Kafka's AllowedPaths): absolute, existing paths, normalized; nil allows
// every path.
func allowedPaths(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []string
	for _, p := range properties.Items(v) {
		clean := filepath.Clean(p)
		if !filepath.IsAbs(clean) {
			return nil, fmt.Errorf("Path %s is not absolute", p) //nolint:staticcheck // Kafka's message
		}
		if _, err := os.Stat(clean); err != nil {
			return nil, fmt.Errorf("Path %s does not exist", p) //nolint:staticcheck // Kafka's message
		}
		out = append(out, clean)
	}
	return out, nil
}

// allowed returns the path to open and whether it lies under one of the allowed paths, by whole path
// components as Java's Path.startsWith. As AllowedPaths.parseUntrustedPath, it returns the normalised path
// when allowed.paths is set: opening the path as written would let the kernel resolve a symlink before "..",
// reaching outside the allowed paths ("/allowed/link/../secret" with link pointing elsewhere).
func allowed(list []string, path string) (string, bool) {
	if list == nil {
		return path, true
	}
	clean := filepath.Clean(path)
	for _, a := range list {
		if clean == a || strings.HasPrefix(clean, strings.TrimSuffix(a, string(filepath.Separator))+string(filepath.Separator)) {
			return clean, true
		}
	}
	return "", false
}

// errNotAllowed is why a path outside allowed.paths resolves nothing (Kafka logs a warning and returns no
// data; here the placeholder then fails as unresolved, with this cause).
var errNotAllowed = errors.New("the path is not allowed to be accessed (allowed.paths)")

// fileProvider is FileConfigProvider: path is a Java properties file, keys its property names.
type fileProvider struct{ allowed []string }

func (f fileProvider) Get(path string, keys []string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	name, ok := allowed(f.allowed, path)
	if !ok {
		return nil, errNotAllowed
	}
	file, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("Could not read properties from file %s", path) //nolint:staticcheck // Kafka's message
	}
	defer file.Close()
	// A regular file only: /dev/zero or a FIFO would hold the request (or the task start) forever.
	if st, err := file.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("Could not read properties from file %s", path) //nolint:staticcheck // Kafka's message
	}
	props, err := properties.Parse(file)
	if err != nil {
		return nil, fmt.Errorf("Could not read properties from file %s", path) //nolint:staticcheck // Kafka's message
	}
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := props[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

// dirProvider is DirectoryConfigProvider: path is a directory, keys are names of regular files in it, values
// their whole content.
type dirProvider struct{ allowed []string }

func (d dirProvider) Get(path string, keys []string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	path, ok := allowed(d.allowed, path)
	if !ok {
		return nil, errNotAllowed
	}
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("Could not list directory %s", path) //nolint:staticcheck // Kafka's message
	}
	out := map[string]string{}
	for _, k := range keys {
		if strings.ContainsRune(k, filepath.Separator) {
			continue // subdirectories are not read
		}
		p := filepath.Join(path, k)
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("Could not read file %s for property %s", p, k) //nolint:staticcheck // Kafka's message
		}
		out[k] = string(b)
	}
	return out, nil
}

// envProvider is EnvVarConfigProvider: path must be empty, keys are environment variable names matching
// allowlist.pattern (whole name; default every name).
type envProvider struct{ vars map[string]string }

func newEnvProvider(params map[string]string, env []string) (Provider, error) {
	pat := ".*"
	if v, ok := params["allowlist.pattern"]; ok {
		pat = v
	}
	re, err := regexp.Compile("^(?:" + pat + ")$")
	if err != nil {
		return nil, fmt.Errorf("Invalid value %s for configuration allowlist.pattern: %w", pat, err) //nolint:staticcheck // Kafka's wording
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && re.MatchString(k) {
			vars[k] = v
		}
	}
	return envProvider{vars: vars}, nil
}

func (e envProvider) Get(path string, keys []string) (map[string]string, error) {
	if path != "" {
		return nil, fmt.Errorf("Path is not supported for EnvVarConfigProvider, invalid value '%s'", path) //nolint:staticcheck // Kafka's message
	}
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := e.vars[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}
