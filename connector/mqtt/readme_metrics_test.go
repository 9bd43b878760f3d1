package mqtt_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector/mqtt/mqtttest"
	"github.com/connectd/connectd/test/workertest"
)

// TestReadmeMetrics runs README.md's metrics example: the quickstart's connector with 42 messages published,
// and the README's grep over GET /metrics of the worker running the task prints exactly the lines it shows.
func TestReadmeMetrics(t *testing.T) {
	t.Parallel()
	broker := mqtttest.NewBroker(t)
	c := newCluster(t)
	example := string(workertest.ReadmeExample(t, "metrics"))
	_, rest, ok := strings.Cut(example, "grep -E '")
	pattern, _, ok2 := strings.Cut(rest, "'")
	if !ok || !ok2 {
		t.Fatalf("README example has no grep -E '...': %s", example)
	}
	re := regexp.MustCompile(pattern)
	var want []string
	for _, line := range strings.Split(example, "\n") {
		if after, ok := strings.CutPrefix(line, "# "); ok {
			want = append(want, after)
		}
	}

	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mqtt-connector.json"))
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.ReplaceAll(data, []byte("tcp://localhost:1883"), []byte(broker.URL()))
	if status, resp := c.Do(0, http.MethodPost, "/connectors", body); status != http.StatusCreated {
		t.Fatalf("POST gave %d %s", status, resp)
	}
	c.WaitRunning(0, "mqtt-source-connector", 1)
	workertest.WaitFor(t, 30*time.Second, "task subscribed", func() bool { return broker.Ready("mqtt-source-0") })
	for range 42 {
		broker.Publish(t, "/mqtt/test/car1", []byte(`{"speed":42}`), 1)
	}
	var got []string
	workertest.WaitFor(t, 30*time.Second, "the README's lines", func() bool {
		status, metrics := c.Do(0, http.MethodGet, "/metrics", nil)
		if status != http.StatusOK {
			return false
		}
		got = got[:0]
		for _, line := range strings.Split(string(metrics), "\n") {
			if re.MatchString(line) {
				got = append(got, line)
			}
		}
		return strings.Join(got, "\n") == strings.Join(want, "\n")
	})
	if len(want) != 3 {
		t.Errorf("README example shows %d lines, want 3", len(want))
	}
}
