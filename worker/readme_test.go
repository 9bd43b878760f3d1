package worker_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
