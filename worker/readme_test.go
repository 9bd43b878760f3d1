package worker_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/api/loglevel"
	"github.com/connectd/connectd/test/workertest"
	"github.com/connectd/connectd/worker/errorhandling"
)

// TestReadmeSinkDeadLetterQueue runs README.md's sink example as it is written (only its file moved under the
// test's directory): a good record is written with its VIN masked, a payload that is not JSON lands in the
// dead letter queue with its original bytes and the context headers, and the task keeps running.
func TestReadmeSinkDeadLetterQueue(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t)
	createTopic(t, c, "vehicle-data", 1)
	var create struct {
		Name   string            `json:"name"`
		Config map[string]string `json:"config"`
	}
	if err := json.Unmarshal(workertest.ReadmeExample(t, "sink-dlq"), &create); err != nil {
		t.Fatalf("README example: %v", err)
	}
	out := filepath.Join(t.TempDir(), "vehicle-data.txt")
	create.Config["file"] = out
	status, body := c.Do(0, http.MethodPost, "/connectors", create)
	expect(t, "create", status, body, http.StatusCreated, "")
	c.WaitRunning(0, create.Name, 1)

	produceRaw(t, c, "vehicle-data", "not json", `{"vin":"KMH123","speed":42}`)
	workertest.WaitFor(t, 60*time.Second, "the good record in the file", func() bool { return countLines(out) >= 1 })
	line, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(line); strings.Contains(s, "KMH123") || !strings.Contains(s, "vin=") || !strings.Contains(s, "speed=42") {
		t.Errorf("file %q, want the record with its vin masked", s)
	}
	dlq := consumeTopic(t, c, "vehicle-data.dlq", 1)
	h := headerMap(dlq[0])
	if string(dlq[0].Value) != "not json" {
		t.Errorf("dead letter %q, want the original bytes", dlq[0].Value)
	}
	for k, v := range map[string]string{
		errorhandling.HeaderTopic: "vehicle-data", errorhandling.HeaderConnectorName: "vehicle-file",
		errorhandling.HeaderStage:          "VALUE_CONVERTER",
		errorhandling.HeaderExecutingClass: "org.apache.kafka.connect.json.JsonConverter",
		errorhandling.HeaderExceptionClass: "org.apache.kafka.connect.errors.DataException",
	} {
		if h[k] != v {
			t.Errorf("header %s = %q, want %q", k, h[k], v)
		}
	}
	if msg := h[errorhandling.HeaderExceptionMessage]; !strings.HasPrefix(msg, "Converting byte[] to Kafka Connect data failed due to serialization error") {
		t.Errorf("exception message %q", msg)
	}
	if state, _ := taskTrace(t, c, create.Name); state != "RUNNING" {
		t.Errorf("task %s, want RUNNING", state)
	}
}

// TestReadmeSecretsAndOverrides runs README.md's config provider properties (their directories moved under the
// test's) and client overrides as written: the providers load, a connector naming its file through ${file:…}
// runs while its config shows the placeholder, and its producer logs the overridden settings.
func TestReadmeSecretsAndOverrides(t *testing.T) {
	t.Parallel()
	secrets, runSecrets := t.TempDir(), t.TempDir()
	props := map[string]string{}
	for _, line := range strings.Split(string(workertest.ReadmeExample(t, "config-providers")), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			v = strings.ReplaceAll(v, "/etc/connectd/secrets", secrets)
			props[k] = strings.ReplaceAll(v, "/run/secrets", runSecrets)
		}
	}
	if len(props) != 7 {
		t.Fatalf("README provider properties: %v", props)
	}
	in := filepath.Join(secrets, "in.txt")
	if err := os.WriteFile(in, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(secrets, "source.properties"), []byte("file="+in+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	c := workertest.NewCluster(t, workertest.WorkerProps(props),
		workertest.LogHandler(loglevel.New().Handler(slog.NewTextHandler(&out, nil))))
	var overrides map[string]any
	if err := json.Unmarshal(workertest.ReadmeExample(t, "client-overrides"), &overrides); err != nil {
		t.Fatalf("README overrides: %v", err)
	}
	placeholder := "${file:" + filepath.Join(secrets, "source.properties") + ":file}"
	src := sourceConfig("readme-secrets", placeholder, "readme-secrets")
	for k, v := range overrides {
		src["config"].(map[string]any)[k] = v
	}
	status, body := c.Do(0, http.MethodPost, "/connectors", src)
	expect(t, "create", status, body, http.StatusCreated, "")
	line := logLine(t, c, &out, "the producer's settings", `msg="ProducerConfig values"`, "connector=readme-secrets")
	if !strings.Contains(line, " linger.ms=25 ") || !strings.Contains(line, " compression.type=lz4 ") {
		t.Errorf("producer settings: %s", line)
	}
	c.WaitRunning(0, "readme-secrets", 1)
	status, body = c.Do(0, http.MethodGet, "/connectors/readme-secrets/config", nil)
	if status != http.StatusOK || decode[map[string]string](t, body)["file"] != placeholder {
		t.Errorf("GET config: %d %s", status, body)
	}
}
