package configprovider_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectd/connectd/worker/configprovider"
)

func providers(t *testing.T, props map[string]string, env ...string) *configprovider.Providers {
	t.Helper()
	p, err := configprovider.New(props, env)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTransformBuiltinProviders(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "db.properties")
	if err := os.WriteFile(file, []byte("# secrets\nuser=alice\npassword = s3cr\\u0065t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(dir, "secrets")
	if err := os.MkdirAll(filepath.Join(secrets, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(secrets, "token"), []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := providers(t, map[string]string{
		"config.providers":                             "file, dir,env,nameonly",
		"config.providers.file.class":                  configprovider.FileClass,
		"config.providers.file.param.allowed.paths":    dir,
		"config.providers.dir.class":                   "DirectoryConfigProvider",
		"config.providers.env.class":                   "EnvVar",
		"config.providers.env.param.allowlist.pattern": "MQTT_.*",
	}, "MQTT_HOST=broker", "HOME=/root")
	if got := strings.Join(p.Names(), ","); got != "dir,env,file" {
		t.Errorf("names %s", got)
	}
	in := map[string]string{
		"plain":    "no placeholder",
		"user":     "${file:" + file + ":user}",
		"url":      "tcp://${env:MQTT_HOST}:1883/${file:" + file + ":password}",
		"token":    "${dir:" + secrets + ":token}",
		"notmatch": "${missing-colon}",
	}
	out, err := p.Transform(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"plain": "no placeholder", "user": "alice", "url": "tcp://broker:1883/s3cret",
		"token": "abc\n", "notmatch": "${missing-colon}"}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s = %q, want %q", k, out[k], v)
		}
	}
	if in["user"] != "${file:"+file+":user}" {
		t.Error("Transform changed its input")
	}
}

func TestTransformUnresolved(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.properties")
	if err := os.WriteFile(file, []byte("k=v\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	p := providers(t, map[string]string{
		"config.providers":                             "file,env,dir",
		"config.providers.file.class":                  "FileConfigProvider",
		"config.providers.file.param.allowed.paths":    dir,
		"config.providers.env.class":                   "EnvVarConfigProvider",
		"config.providers.env.param.allowlist.pattern": "OK_.*",
		"config.providers.dir.class":                   "DirectoryConfigProvider",
	}, "SECRET=x", "OK_A=1")
	cases := []struct {
		value, want string
	}{
		{"${vault:secret/db:password}", "no config provider named 'vault' is configured"},
		{"${file:" + file + ":nokey}", "config provider 'file' has no value for key 'nokey'"},
		{"${file:" + filepath.Join(other, "x.properties") + ":k}", "not allowed"},
		{"${file:" + filepath.Join(dir, "none.properties") + ":k}", "Could not read properties from file"},
		{"${env:SECRET}", "config provider 'env' has no value for key 'SECRET'"},
		{"${env:/etc:OK_A}", "Path is not supported for EnvVarConfigProvider"},
		{"${dir:" + filepath.Join(dir, "nodir") + ":k}", "Could not list directory"},
	}
	for _, c := range cases {
		_, err := p.Transform(map[string]string{"the.key": c.value, "fine": "${env:OK_A}"})
		if !errors.Is(err, configprovider.ErrUnresolved) || !strings.Contains(err.Error(), c.want) ||
			!strings.Contains(err.Error(), " in the.key") {
			t.Errorf("%s: %v, want %q", c.value, err, c.want)
		}
		if u := configprovider.Unresolved(err); len(u) != 1 || u[0].Key != "the.key" {
			t.Errorf("%s: unresolved %v", c.value, u)
		}
	}
	var none *configprovider.Providers
	if _, err := none.Transform(map[string]string{"a": "${file:/x:y}"}); !errors.Is(err, configprovider.ErrUnresolved) {
		t.Errorf("no providers: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{"config.providers": "x", "config.providers.x.class": "com.example.Vault"}, "Failed to find any class that implements ConfigProvider and which name matches com.example.Vault"},
		{map[string]string{"config.providers": "f", "config.providers.f.class": "FileConfigProvider", "config.providers.f.param.allowed.paths": "relative/dir"}, "Path relative/dir is not absolute"},
		{map[string]string{"config.providers": "f", "config.providers.f.class": "FileConfigProvider", "config.providers.f.param.allowed.paths": "/no/such/dir"}, "Path /no/such/dir does not exist"},
	} {
		if _, err := configprovider.New(c.props, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.props, err, c.want)
		}
	}
	// A name without a class declares nothing.
	p := providers(t, map[string]string{"config.providers": "unset"})
	if len(p.Names()) != 0 {
		t.Errorf("names %v", p.Names())
	}
}

// TestFileProviderOpensTheNormalisedPath checks that a symlink inside allowed.paths followed by ".." cannot
// reach a file outside them: the file opened is the normalised path, as Java's AllowedPaths returns it.
func TestFileProviderOpensTheNormalisedPath(t *testing.T) {
	allowedDir, outside := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(outside, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.properties"), []byte("k=outside\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(allowedDir, "secret.properties"), []byte("k=inside\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "sub"), filepath.Join(allowedDir, "link")); err != nil {
		t.Fatal(err)
	}
	p := providers(t, map[string]string{
		"config.providers":                          "file",
		"config.providers.file.class":               "FileConfigProvider",
		"config.providers.file.param.allowed.paths": allowedDir,
	})
	out, err := p.Transform(map[string]string{"v": "${file:" + allowedDir + "/link/../secret.properties:k}"})
	if err != nil || out["v"] != "inside" {
		t.Fatalf("got %q, %v; want the allowed directory's file (inside)", out["v"], err)
	}
	// Not a regular file: refused instead of read forever.
	if _, err := providers(t, map[string]string{"config.providers": "file",
		"config.providers.file.class": "FileConfigProvider"}).Transform(map[string]string{"v": "${file:/dev/zero:k}"}); err == nil ||
		!strings.Contains(err.Error(), "Could not read properties from file /dev/zero") {
		t.Errorf("/dev/zero: %v", err)
	}
}
