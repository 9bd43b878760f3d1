//go:build integration

package integration

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/test/openapicheck"
)

// TestOpenAPI sends a few thousand requests generated from openapi.yaml, spread over the three workers so
// that writes sent to followers are forwarded, next to a running MQTT connector: no 5xx, every 4xx in Kafka
// Connect's error format, the config topic untouched, the connector as it was and every worker still up.
func TestOpenAPI(t *testing.T) {
	e := theEnv
	res := result{Scenario: "openapi-check", Recovery: "-"}
	defer func() {
		res.Pass = !t.Failed()
		record(res)
	}()
	// The workers' config.storage.topic.
	const configs = "it-connect-configs"
	const conn, topic, n = "mqtt-openapi", "it-openapi", 3000
	if err := createTopic(topic); err != nil {
		t.Fatal(err)
	}
	e.mustREST(t, http.MethodPut, "/connectors/"+conn+"/config", mqttConfig(t, e, "openapi", topic), 200, 201)
	e.waitStatus(t, conn, 90*time.Second, "RUNNING", running(1))

	spec, err := openapicheck.Load(filepath.Join(e.root, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, w := range e.workers {
		urls = append(urls, w.url(""))
	}
	start := time.Now()
	rep, err := openapicheck.Run(t.Context(), openapicheck.Options{
		BaseURLs:      urls,
		Spec:          spec,
		Seed:          1,
		N:             n,
		Existing:      conn,
		ConfigOffsets: func() (map[int32]int64, error) { return endOffsets(configs) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", rep)
	for _, v := range rep.Violations {
		t.Errorf("%s", v)
	}
	var down []string
	for _, w := range e.workers {
		if !w.running() {
			down = append(down, w.name())
		}
	}
	if len(down) > 0 {
		t.Errorf("workers no longer running after the requests: %s", strings.Join(down, ", "))
	}
	// sent: requests; received: answers within the contract; lost: violations.
	res.Sent, res.Received, res.Lost = rep.Sent, max(rep.Sent-len(rep.Violations), 0), len(rep.Violations)
	res.Notes = fmt.Sprintf("%d requests over %d workers in %s, %d skipped, %d violations; config topic and connector unchanged",
		rep.Sent, len(urls), time.Since(start).Round(100*time.Millisecond), rep.Skipped, len(rep.Violations))
	if len(rep.Violations) > 0 {
		res.Notes = fmt.Sprintf("%d requests over %d workers, %d violations", rep.Sent, len(urls), len(rep.Violations))
	}
	e.mustREST(t, http.MethodDelete, "/connectors/"+conn, nil, 204)
}
