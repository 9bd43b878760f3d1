//go:build unix

package mqtt

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

// validateWithin validates config as PUT /connector-plugins/{plugin}/config/validate does. The bug this
// guards against is a validation that never returns, so a validation still running after a generous deadline
// fails the test instead of hanging it.
func validateWithin(t *testing.T, config map[string]string) connector.ConfigInfos {
	t.Helper()
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		infos connector.ConfigInfos
		err   error
	}
	done := make(chan answer, 1)
	go func() {
		infos, _, err := r.Validate(config, connector.ValidateOptions{})
		done <- answer{infos, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			t.Fatal(a.err)
		}
		return a.infos
	case <-time.After(time.Minute):
		t.Fatalf("validating %q did not return", config)
		return connector.ConfigInfos{}
	}
}

// errorsOf returns the errors the validation answer lists for key.
func errorsOf(infos connector.ConfigInfos, key string) []string {
	for _, c := range infos.Configs {
		if c.Value != nil && c.Value.Name == key {
			return c.Value.Errors
		}
	}
	return nil
}

func mkfifo(t *testing.T, dir string) string {
	t.Helper()
	fifo := filepath.Join(dir, "fifo.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO: %v", err)
	}
	return fifo
}

// A TLS file that is a device, a FIFO or too large is refused without reading it, and the refusal is an error
// of the key that names it in the validation answer and at start, for every key that names a TLS file.
func TestTLSFilesThatCannotBeReadSafelyAreRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, cert, _ := writeTestPKI(t, dir)
	fifo := mkfifo(t, dir)
	fifoLink := filepath.Join(dir, "fifo-link.pem")
	if err := os.Symlink(fifo, fifoLink); err != nil {
		t.Fatal(err)
	}
	large := filepath.Join(dir, "large.pem")
	if err := os.WriteFile(large, bytes.Repeat([]byte{'#'}, maxTLSFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	files := []struct{ name, path, want string }{
		{"FIFO", fifo, "not a regular file (a named pipe)"},
		{"link to a FIFO", fifoLink, "not a regular file (a named pipe)"},
		{"directory", dir, "not a regular file (a directory)"},
		{"over the limit", large, "the file has " + strconv.Itoa(maxTLSFileSize+1) + " bytes, more than the limit of " +
			strconv.Itoa(maxTLSFileSize) + " bytes"},
	}
	if fi, err := os.Stat("/dev/zero"); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		files = append(files, struct{ name, path, want string }{"zero device", "/dev/zero", "not a regular file (a character device)"})
	} else {
		t.Log("no /dev/zero character device; not testing it")
	}
	keys := []struct {
		key   string
		other map[string]string // keys set next to it so that it is read
	}{
		{fieldSSLCACert, nil},
		{fieldSSLCert, map[string]string{fieldSSLKey: ca}},
		{fieldSSLKey, map[string]string{fieldSSLCert: cert}},
		{fieldTrustStorePath, nil},
		{fieldKeyStorePath, nil},
	}
	for _, file := range files {
		for _, k := range keys {
			t.Run(file.name+"/"+k.key, func(t *testing.T) {
				config := map[string]string{
					connector.KeyConnectorClass: CamelClass, connector.KeyName: "tls", fieldBrokerURL: "ssl://h:8883",
					fieldTopic: "a/#", k.key: file.path,
				}
				for key, v := range k.other {
					config[key] = v
				}
				want := "Invalid value " + file.path + " for configuration " + k.key + ": " + file.want
				infos := validateWithin(t, config)
				if got := errorsOf(infos, k.key); len(got) != 1 || got[0] != want {
					t.Errorf("validation errors of %s: %q, want [%q]", k.key, got, want)
				}
				if infos.ErrorCount != 1 {
					t.Errorf("error_count %d, want 1: %+v", infos.ErrorCount, infos.Configs)
				}
				delete(config, connector.KeyConnectorClass)
				if _, err := parseConfig(config); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("parseConfig: %v, want an error containing %q", err, want)
				}
			})
		}
	}
}

// The limit is inclusive: a CA bundle of exactly maxTLSFileSize bytes is read.
func TestTLSFileAtTheLimitIsRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, _, _ := writeTestPKI(t, dir)
	pemData, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	// PEM decoding skips text before a block (up to a newline), so a comment fills the file up to the limit.
	bundle := append(bytes.Repeat([]byte{'#'}, maxTLSFileSize-len(pemData)-1), '\n')
	bundle = append(bundle, pemData...)
	path := filepath.Join(dir, "bundle.pem")
	if err := os.WriteFile(path, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseConfig(map[string]string{fieldBrokerURL: "ssl://h:8883", fieldTopic: "a/#", fieldSSLCACert: path})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.tls == nil || cfg.tls.RootCAs == nil {
		t.Fatalf("the CA bundle of %d bytes was not loaded: %+v", len(bundle), cfg.tls)
	}
}

// Pseudo-files report size 0 and may stream or block when read (/proc/kmsg, tracefs's trace_pipe): only the
// size Stat reports is read.
func TestTLSFileReadsNoMoreThanStatReports(t *testing.T) {
	t.Parallel()
	const status = "/proc/self/status"
	fi, err := os.Stat(status)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
		t.Skipf("%s is not a procfs file of size 0 here", status)
	}
	data, err := readRegularFile(status, maxTLSFileSize)
	if err != nil || len(data) != 0 {
		t.Fatalf("read %d bytes, %v; want none", len(data), err)
	}
}
