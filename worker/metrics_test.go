package worker_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/connectd/connectd/worker/metrics/metricstest"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/connectd/connectd/api"
	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/test/workertest"
	"github.com/connectd/connectd/worker"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/metrics"
)

// scrape reads GET /metrics of worker i.
func scrape(t *testing.T, c *workertest.Cluster, i int) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := c.Do(i, http.MethodGet, "/metrics", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", status, body)
	}
	return parseMetrics(t, body)
}

func parseMetrics(t *testing.T, body []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// sampleValue returns the value of the sample of name with all of labels (name/value pairs), or NaN when there
// is none.
func sampleValue(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	if v, ok := metricstest.Value(fams, name, labels...); ok {
		return v
	}
	return math.NaN()
}

// waitMetric waits until worker i's sample of name with labels satisfies cond.
func waitMetric(t *testing.T, c *workertest.Cluster, i int, what string, cond func(v float64) bool, name string, labels ...string) float64 {
	t.Helper()
	var v float64
	workertest.WaitFor(t, c.Eventually(), what, func() bool {
		v = sampleValue(scrape(t, c, i), name, labels...)
		return cond(v)
	})
	return v
}

func atLeast(n float64) func(float64) bool { return func(v float64) bool { return v >= n } }
func equals(n float64) func(float64) bool  { return func(v float64) bool { return v == n } }

// TestMetricsFollowTheWorker scrapes GET /metrics while records flow through a source and a sink, tasks fail and
// a worker joins, and checks the Kafka Connect metrics move accordingly.
func TestMetricsFollowTheWorker(t *testing.T) {
	c := workertest.NewCluster(t, fastGroup(1, "0")...)
	task := func(name string) []string { return []string{"connector", name, "task", "0"} }
	agg := []string{"connector", "aggregate"}

	// The worker joined its group once: one completed rebalance, an epoch.
	rebalances := waitMetric(t, c, 0, "first rebalance", atLeast(1), metrics.Name(metrics.GroupRebalance, "completed-rebalances-total"))
	epoch := sampleValue(scrape(t, c, 0), metrics.Name(metrics.GroupRebalance, "epoch"))
	if epoch < 1 {
		t.Errorf("epoch = %v after the first rebalance", epoch)
	}
	before := scrape(t, c, 0)
	if v := sampleValue(before, metrics.Name(metrics.GroupSourceTask, "source-record-write-total"), task("src")...); !math.IsNaN(v) {
		t.Fatalf("source metrics before the connector exists: %v", v)
	}

	// Records flow: a source writes 300 records; a sink reads them and 2 it cannot convert, tolerated.
	createConnector(t, c, "src", map[string]string{"connector.class": connectortest.SourceClass, "tasks.max": "1",
		"topic": "m-data", connectortest.KeyCount: "300"})
	produceRaw(t, c, "m-data", "not json {", "nor this {")
	createConnector(t, c, "snk", map[string]string{"connector.class": connectortest.SinkClass, "tasks.max": "1",
		"topics": "m-data", "errors.tolerance": "all"})

	waitMetric(t, c, 0, "source writes", equals(300), metrics.Name(metrics.GroupSourceTask, "source-record-write-total"), task("src")...)
	waitMetric(t, c, 0, "sink sends", equals(300), metrics.Name(metrics.GroupSinkTask, "sink-record-send-total"), task("snk")...)
	waitMetric(t, c, 0, "sink offset commits", atLeast(1), metrics.Name(metrics.GroupSinkTask, "offset-commit-completion-total"), task("snk")...)
	waitMetric(t, c, 0, "source offset commits", equals(1), metrics.Name(metrics.GroupTask, "offset-commit-success-percentage"), task("src")...)
	fams := scrape(t, c, 0)
	checks := []struct {
		name   string
		labels []string
		ok     func(float64) bool
		want   string
	}{
		{metrics.Name(metrics.GroupSourceTask, "source-record-poll-total"), task("src"), equals(300), "300"},
		{metrics.Name(metrics.GroupSourceTask, "source-record-poll-rate"), task("src"), atLeast(0.001), "> 0"},
		{metrics.Name(metrics.GroupSourceTask, "source-record-active-count"), task("src"), equals(0), "0"},
		{metrics.Name(metrics.GroupSourceTask, "poll-batch-max-time-ms"), task("src"), atLeast(0), ">= 0"},
		{metrics.Name(metrics.GroupTask, "batch-size-max"), task("src"), equals(100), "100"},
		{metrics.Name(metrics.GroupTask, "running-ratio"), task("src"), atLeast(0.5), "most of the time"},
		{metrics.Name(metrics.GroupTask, "pause-ratio"), task("src"), equals(0), "0"},
		{metrics.Name(metrics.GroupSinkTask, "sink-record-read-total"), task("snk"), equals(302), "302"},
		{metrics.Name(metrics.GroupSinkTask, "partition-count"), task("snk"), atLeast(1), ">= 1"},
		{metrics.Name(metrics.GroupSinkTask, "put-batch-max-time-ms"), task("snk"), atLeast(0), ">= 0"},
		{metrics.Name(metrics.GroupTaskError, "total-record-errors"), task("snk"), equals(2), "2"},
		{metrics.Name(metrics.GroupTaskError, "total-records-skipped"), task("snk"), equals(2), "2"},
		{metrics.Name(metrics.GroupTaskError, "total-record-errors"), task("src"), equals(0), "0"},
		{metrics.Name(metrics.GroupWorker, "task-count"), agg, equals(2), "2"},
		{metrics.Name(metrics.GroupWorker, "connector-count"), agg, equals(2), "2"},
		{metrics.Name(metrics.GroupWorker, "connector-running-task-count"), []string{"connector", "src"}, equals(1), "1"},
		{metrics.Name(metrics.GroupWorker, "task-startup-success-total"), agg, equals(2), "2"},
		{metrics.Prefix + "connector_metrics", []string{"connector", "snk", "status", "running"}, equals(1), "1"},
		{metrics.Prefix + "connector_metrics", []string{"connector", "src", "connector_class", connectortest.SourceClass}, equals(1), "1"},
		{metrics.Prefix + "connector_task_metrics", []string{"connector", "src", "task", "0", "status", "running"}, equals(1), "1"},
	}
	for _, ch := range checks {
		if v := sampleValue(fams, ch.name, ch.labels...); !ch.ok(v) {
			t.Errorf("%s%v = %v, want %s", ch.name, ch.labels, v, ch.want)
		}
	}

	// A task fails in its first poll; a connector fails in Start (a failed startup).
	createConnector(t, c, "bad", map[string]string{"connector.class": connectortest.SourceClass, "tasks.max": "1",
		"topic": "m-bad", connectortest.KeyFailPoll: "true"})
	createConnector(t, c, "nostart", map[string]string{"connector.class": connectortest.SourceClass, "tasks.max": "1",
		"topic": "m-bad", connectortest.KeyFailStart: "true"})
	waitMetric(t, c, 0, "failed task counted", equals(1), metrics.Name(metrics.GroupWorker, "connector-failed-task-count"), "connector", "bad")
	waitMetric(t, c, 0, "failed startup counted", equals(1), metrics.Name(metrics.GroupWorker, "connector-startup-failure-total"), agg...)
	fams = scrape(t, c, 0)
	if v := sampleValue(fams, metrics.Prefix+"connector_task_metrics", "connector", "bad", "task", "0", "status", "failed"); v != 1 {
		t.Errorf("failed task's status sample = %v, want 1", v)
	}
	if v := sampleValue(fams, metrics.Prefix+"connector_metrics", "connector", "nostart", "status", "failed"); v != 1 {
		t.Errorf("failed connector's status sample = %v, want 1", v)
	}
	if v := sampleValue(fams, metrics.Name(metrics.GroupWorker, "connector-startup-attempts-total"), agg...); v != 4 {
		t.Errorf("connector startup attempts = %v, want 4", v)
	}
	if v := sampleValue(fams, metrics.Name(metrics.GroupWorker, "connector-startup-failure-percentage"), agg...); v != 0.25 {
		t.Errorf("connector startup failure share = %v, want 0.25", v)
	}

	// A rebalance: a second worker joins, and some of the work moves to it.
	c.StartWorker()
	c.WaitReady(1)
	waitMetric(t, c, 0, "rebalance counted", atLeast(rebalances+1), metrics.Name(metrics.GroupRebalance, "completed-rebalances-total"))
	fams = scrape(t, c, 0)
	if v := sampleValue(fams, metrics.Name(metrics.GroupRebalance, "epoch")); v <= epoch {
		t.Errorf("epoch = %v after a rebalance, was %v", v, epoch)
	}
	if v := sampleValue(fams, metrics.Name(metrics.GroupRebalance, "rebalance-max-time-ms")); math.IsNaN(v) || v < 0 {
		t.Errorf("rebalance max time = %v", v)
	}
	waitMetric(t, c, 1, "second worker rebalanced", atLeast(1), metrics.Name(metrics.GroupRebalance, "completed-rebalances-total"))
	// Go runtime and process metrics come along.
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "kafka_connect_app_info"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
}

// TestMetricsBeforeReady checks GET /metrics answers while the herder is not ready (here: never started).
func TestMetricsBeforeReady(t *testing.T) {
	cfg, _, err := config.ParseConfig(map[string]string{"bootstrap.servers": "127.0.0.1:1", "group.id": "g",
		"config.storage.topic": "c", "offset.storage.topic": "o", "status.storage.topic": "s",
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(cfg, worker.Options{Registry: connector.NewRegistry(), AdvertisedURL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.NewServer(api.Config{Herder: w, Metrics: metrics.Handler(w.Metrics(), metrics.Info{ClientID: w.ID()})})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", rec.Code, rec.Body)
	}
	fams := parseMetrics(t, rec.Body.Bytes())
	if v := sampleValue(fams, metrics.Name(metrics.GroupRebalance, "time-since-last-rebalance-ms")); !math.IsInf(v, 1) {
		t.Errorf("time since last rebalance before any = %v, want +Inf", v)
	}
	if v := sampleValue(fams, metrics.Name(metrics.GroupWorker, "task-count"), "connector", "aggregate"); v != 0 {
		t.Errorf("task count = %v, want 0", v)
	}
}

// TestMetricsScrapedUnderLoad scrapes, from several goroutines at once, while an unbounded source writes: the
// totals keep growing from scrape to scrape, and (under -race) reading them races with nothing on the hot path.
func TestMetricsScrapedUnderLoad(t *testing.T) {
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register))
	createConnector(t, c, "load", map[string]string{"connector.class": connectortest.SourceClass, "tasks.max": "2",
		"topic": "m-load"})
	createConnector(t, c, "load-sink", map[string]string{"connector.class": connectortest.SinkClass, "tasks.max": "1",
		"topics": "m-load"})
	written := func(fams map[string]*dto.MetricFamily) float64 {
		return sampleValue(fams, metrics.Name(metrics.GroupSourceTask, "source-record-write-total"), "connector", "load", "task", "1")
	}
	read := func(fams map[string]*dto.MetricFamily) float64 {
		return sampleValue(fams, metrics.Name(metrics.GroupSinkTask, "sink-record-read-total"), "connector", "load-sink", "task", "0")
	}
	waitMetric(t, c, 0, "records flowing", atLeast(1), metrics.Name(metrics.GroupSinkTask, "sink-record-read-total"),
		"connector", "load-sink", "task", "0")

	done := make(chan struct{})
	scrapers := make(chan error, 2)
	for range 2 {
		go func() {
			for {
				select {
				case <-done:
					scrapers <- nil
					return
				default:
				}
				req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, c.Node(0).URL+"/metrics", nil)
				if err != nil {
					scrapers <- err
					return
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					scrapers <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					scrapers <- fmt.Errorf("GET /metrics: %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	prevW, prevR := written(scrape(t, c, 0)), read(scrape(t, c, 0))
	for range 3 {
		var fams map[string]*dto.MetricFamily
		workertest.WaitFor(t, c.Eventually(), "the totals to grow", func() bool {
			fams = scrape(t, c, 0)
			return written(fams) > prevW && read(fams) > prevR
		})
		prevW, prevR = written(fams), read(fams)
		if v := sampleValue(fams, metrics.Name(metrics.GroupSourceTask, "source-record-write-rate"), "connector", "load", "task", "1"); !(v > 0) {
			t.Errorf("write rate %v while records flow", v)
		}
	}
	close(done)
	for range 2 {
		if err := <-scrapers; err != nil {
			t.Error(err)
		}
	}
}
