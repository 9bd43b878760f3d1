package openapicheck_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/test/openapicheck"
	"github.com/connectd/connectd/test/workertest"
)

// fixture is the connector the check must leave alone.
const fixture = "openapi-fixture"

// TestAPIAgainstCluster sends a few hundred generated requests to an in-process worker and fails on any
// violation. OPENAPICHECK_SEED picks another seed, e.g. to explore or to reproduce a failure elsewhere.
func TestAPIAgainstCluster(t *testing.T) {
	t.Parallel()
	spec, err := openapicheck.Load("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(1)
	if s := os.Getenv("OPENAPICHECK_SEED"); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("OPENAPICHECK_SEED: %v", err)
		}
	}
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register))
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": fixture, "config": map[string]any{
		"connector.class": connectortest.SourceClass, "topic": "openapi-fixture", "tasks.max": "2",
		connectortest.KeyCount: "10"}})
	if status != http.StatusCreated {
		t.Fatalf("create the fixture: %d %s", status, body)
	}
	c.WaitRunning(0, fixture, 2)

	const n = 600
	rep, err := openapicheck.Run(t.Context(), openapicheck.Options{
		BaseURLs:      []string{c.Node(0).URL},
		Spec:          spec,
		Seed:          seed,
		N:             n,
		Existing:      fixture,
		ConfigOffsets: func() (map[int32]int64, error) { return endOffsets(c, "connect-configs") },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", rep)
	for _, v := range rep.Violations {
		t.Errorf("%s", v)
	}
	if rep.Sent < n*95/100 {
		t.Errorf("only %d of %d requests sent (%d skipped)", rep.Sent, n, rep.Skipped)
	}
	// Every operation of the document got at least one request of its own.
	for _, op := range spec.Operations {
		if len(rep.Counts[op.Key()]) == 0 {
			t.Errorf("no request for %s", op.Key())
		}
	}
}

// endOffsets reads the end offset of every partition of topic from the cluster's Kafka.
func endOffsets(c *workertest.Cluster, topic string) (map[int32]int64, error) {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	client, err := sarama.NewClient(c.Kafka.ListenAddrs(), cfg)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	parts, err := client.Partitions(topic)
	if err != nil {
		return nil, err
	}
	ends := make(map[int32]int64, len(parts))
	for _, p := range parts {
		if ends[p], err = client.GetOffset(topic, p, sarama.OffsetNewest); err != nil {
			return nil, err
		}
	}
	return ends, nil
}

// TestRunReportsViolations runs the checker against a server that breaks every rule, to show that each rule
// is checked.
func TestRunReportsViolations(t *testing.T) {
	t.Parallel()
	spec, err := openapicheck.Load("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var statusReads atomic.Int32
	base := "/connectors/" + fixture
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := func(status int, contentType, body string) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
		const js = "application/json"
		switch p := r.URL.Path; {
		case p == base+"/tasks" && r.Method == http.MethodGet:
			reply(200, js, `[{"id":{"connector":"`+fixture+`","task":0},"config":{}}]`)
		case p == "/connector-plugins" && r.Method == http.MethodGet:
			reply(200, js, `[{"class":"org.example.FooConnector","type":"source"}]`)
		case p == "/admin/loggers" && r.Method == http.MethodGet:
			reply(200, js, `{"root":{"level":"INFO"}}`)
		case p == base+"/config" && r.Method == http.MethodGet:
			reply(200, js, `{"connector.class":"FooConnector"}`)
		case p == base+"/status" && r.Method == http.MethodGet:
			// The first read is the one before the requests.
			state := "RUNNING"
			if statusReads.Add(1) > 1 {
				state = "PAUSED"
			}
			reply(200, js, `{"name":"`+fixture+`","connector":{"state":"`+state+`"},"tasks":[]}`)
		case p == "/health":
			reply(500, js, `{"error_code":500,"message":"boom"}`)
		case p == "/" && r.Method == http.MethodGet:
			reply(200, js, `not json`)
		case strings.HasSuffix(p, "/pause"):
			reply(202, js, ``)
		case strings.HasSuffix(p, "/resume"):
			reply(404, "text/plain", `404 page not found`)
		case strings.HasSuffix(p, "/stop"):
			reply(404, js, `{"error_code":404,"message":"x","extra":1}`)
		case strings.HasSuffix(p, "/restart"):
			reply(400, js, `{"error_code":500,"message":"x"}`)
		default:
			reply(404, js, `{"error_code":404,"message":"Not here"}`)
		}
	}))
	defer srv.Close()
	offsets := []map[int32]int64{{0: 5}, {0: 7}}
	rep, err := openapicheck.Run(t.Context(), openapicheck.Options{
		BaseURLs: []string{srv.URL},
		Spec:     spec,
		Seed:     1,
		N:        600,
		Existing: fixture,
		ConfigOffsets: func() (map[int32]int64, error) {
			o := offsets[0]
			offsets = offsets[1:]
			return o, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"server error 500",
		"a write the checker meant to be rejected was accepted",
		"the body is not JSON",
		`error answer with Content-Type "text/plain"`,
		"error body has keys [error_code extra message]",
		"error_code 500 differs from the status 400",
		"status 404, want 405",
		`message "Not here", want "HTTP 404 Not Found"`,
		"connector " + fixture + " changed its status",
		"the config topic changed",
		"does not answer after the requests",
	} {
		found := slices.ContainsFunc(rep.Violations, func(v openapicheck.Violation) bool {
			return strings.Contains(v.Problem, want)
		})
		if !found {
			t.Errorf("no violation %q reported", want)
		}
	}
	if t.Failed() {
		t.Logf("%s", rep)
	}
}
