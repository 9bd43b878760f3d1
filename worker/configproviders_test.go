package worker_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/test/workertest"
)

// A connector whose file comes from ${file:…} runs with the resolved value, while the REST answers and the
// config topic keep the placeholder; an unknown provider or a missing key is a validation error naming the
// key and the provider.
func TestConfigProviderPlaceholders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("x\ny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(dir, "connector.properties")
	if err := os.WriteFile(secrets, []byte("input="+in+"\noutput="+filepath.Join(dir, "out.txt")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := workertest.NewCluster(t, workertest.Workers(2), workertest.WorkerProps(map[string]string{
		"config.providers":                          "file",
		"config.providers.file.class":               "org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.file.param.allowed.paths": dir,
	}))
	srcFile := "${file:" + secrets + ":input}"
	status, body := c.Do(0, http.MethodPost, "/connectors", sourceConfig("cp-src", srcFile, "cp-topic"))
	expect(t, "create source", status, body, http.StatusCreated, "")
	sinkFile := "${file:" + secrets + ":output}"
	status, body = c.Do(1, http.MethodPost, "/connectors", map[string]any{"name": "cp-sink", "config": map[string]any{
		"connector.class": "FileStreamSink", "tasks.max": "1", "topics": "cp-topic", "file": sinkFile}})
	expect(t, "create sink", status, body, http.StatusCreated, "")
	workertest.WaitFor(t, c.Eventually(), "the lines through source and sink", func() bool {
		return sameLines(filepath.Join(dir, "out.txt"), "x", "y")
	})

	status, body = c.Do(1, http.MethodGet, "/connectors/cp-src/config", nil)
	if status != http.StatusOK || decode[map[string]string](t, body)["file"] != srcFile {
		t.Errorf("GET config: %d %s", status, body)
	}
	status, body = c.Do(0, http.MethodGet, "/connectors/cp-sink/tasks", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"file":"${file:`) || strings.Contains(string(body), "out.txt") {
		t.Errorf("GET tasks: %d %s", status, body)
	}
	// Nothing resolved is in the config topic, whose records the store holds as read.
	for _, name := range []string{"cp-src", "cp-sink"} {
		conn, _ := c.Node(0).Worker.Store().Connector(name)
		for _, tc := range c.Node(0).Worker.Store().TaskConfigs(name) {
			if strings.Contains(tc.Config["file"], dir) && !strings.Contains(tc.Config["file"], "${file:") {
				t.Errorf("task config of %s stored resolved: %v", name, tc.Config)
			}
		}
		if !strings.HasPrefix(conn.Config["file"], "${file:") {
			t.Errorf("connector config of %s: %v", name, conn.Config)
		}
	}

	for _, bad := range []struct{ file, want string }{
		{"${vault:secret/db:path}", "Cannot resolve ${vault:secret/db:path} in file: no config provider named 'vault' is configured (config.providers)"},
		{"${file:" + secrets + ":nope}", "in file: config provider 'file' has no value for key 'nope'"},
	} {
		status, body = c.Do(0, http.MethodPost, "/connectors", sourceConfig("cp-bad", bad.file, "t"))
		if status != http.StatusBadRequest || !strings.Contains(string(body), bad.want) {
			t.Errorf("create with %s: %d %s", bad.file, status, body)
		}
		cfg := sourceConfig("cp-bad", bad.file, "t")["config"].(map[string]any)
		cfg["name"] = "cp-bad"
		status, body = c.Do(0, http.MethodPut, "/connector-plugins/FileStreamSource/config/validate", cfg)
		if status != http.StatusOK || !strings.Contains(string(body), `"error_count":1,`) || !strings.Contains(string(body), bad.want) {
			t.Errorf("validate with %s: %d %.300s", bad.file, status, body)
		}
	}
	// A secret in a typed key is invalid there, and the error quotes the placeholder, never the secret.
	if err := os.WriteFile(secrets, []byte("input="+in+"\noutput="+filepath.Join(dir, "out.txt")+"\npw=Hunter2Secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	typed := sourceConfig("cp-bad", in, "t")
	typed["config"].(map[string]any)["tasks.max"] = "${file:" + secrets + ":pw}"
	status, body = c.Do(0, http.MethodPost, "/connectors", typed)
	if status != http.StatusBadRequest || strings.Contains(string(body), "Hunter2Secret") ||
		!strings.Contains(string(body), "Invalid value ${file:"+secrets+":pw} for configuration tasks.max") {
		t.Errorf("create with a secret in tasks.max: %d %s", status, body)
	}
	c.WaitStore(0, "no cp-bad connector", func(s *storage.Store) bool {
		_, ok := s.Connector("cp-bad")
		return !ok
	})
}

// A placeholder that no longer resolves when the connector starts again (its file is gone) fails the connector
// with the key and the provider in its trace, instead of starting it with the placeholder.
func TestConfigProviderFailsAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secrets := filepath.Join(dir, "c.properties")
	if err := os.WriteFile(secrets, []byte("file="+filepath.Join(dir, "in.txt")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := workertest.NewCluster(t, workertest.WorkerProps(map[string]string{
		"config.providers": "file", "config.providers.file.class": "FileConfigProvider"}))
	status, body := c.Do(0, http.MethodPost, "/connectors", sourceConfig("cp-gone", "${file:"+secrets+":file}", "t"))
	expect(t, "create", status, body, http.StatusCreated, "")
	c.WaitRunning(0, "cp-gone", 1)
	if err := os.Remove(secrets); err != nil {
		t.Fatal(err)
	}
	status, body = c.Do(0, http.MethodPost, "/connectors/cp-gone/restart", nil)
	expect(t, "restart", status, body, http.StatusNoContent, "")
	workertest.WaitFor(t, c.Eventually(), "the connector FAILED", func() bool {
		st, _ := c.ConnectorState(0, "cp-gone")
		return st == "FAILED"
	})
	_, body = c.Do(0, http.MethodGet, "/connectors/cp-gone/status", nil)
	if !strings.Contains(string(body), "in file: config provider 'file' failed: Could not read properties from file") {
		t.Errorf("status: %s", body)
	}
}
