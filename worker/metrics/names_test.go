package metrics

import (
	"bufio"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/worker/metrics/metricstest"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker/errorhandling"
)

// notExposed are Kafka metrics connectd does not serve, with the reason.
var notExposed = map[string]string{
	"sink-task-metrics sink-record-lag-max":    "defined in ConnectMetricsRegistry but registered by no sensor in Kafka 3.9",
	"source-task-metrics transaction-size-min": "exactly-once source tasks only; connectd has none",
	"source-task-metrics transaction-size-max": "exactly-once source tasks only; connectd has none",
	"source-task-metrics transaction-size-avg": "exactly-once source tasks only; connectd has none",
}

// labelled are Kafka's string gauges, which connectd exposes as the JMX exporter rules do: a sample of value 1
// in family, with the value in a label named after the metric.
var labelled = map[string]string{
	"connector-metrics status":                          Prefix + "connector_metrics",
	"connector-metrics connector-type":                  Prefix + "connector_metrics",
	"connector-metrics connector-class":                 Prefix + "connector_metrics",
	"connector-metrics connector-version":               Prefix + "connector_metrics",
	"connector-task-metrics status":                     Prefix + "connector_task_metrics",
	"connect-worker-rebalance-metrics connect-protocol": Name(GroupRebalance, "connect-protocol"),
	"connect-worker-rebalance-metrics leader-name":      Name(GroupRebalance, "leader-name"),
}

// kafkaNames reads testdata/kafka-metric-names.txt, taken from Kafka's ConnectMetricsRegistry.
func kafkaNames(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/kafka-metric-names.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if len(out) < 70 {
		t.Fatalf("read %d names; is the list complete?", len(out))
	}
	return out
}

// populated is a worker with a connector, a source task and a sink task, each with some activity.
func populated(now func() time.Time) *Worker {
	w := newWorker("SESSIONED", now)
	w.AddConnector("src", "org.example.Source", "source", "1.0").SetStatus("RUNNING")
	w.ConnectorStartup(true)
	src := w.AddTask(connector.TaskID{Connector: "src", Task: 0}, connector.Source, &errorhandling.Metrics{})
	src.SetStatus("RUNNING")
	src.SourcePoll(10, 5*time.Millisecond)
	src.SourceWritten(1, 0)
	src.OffsetCommit(true, time.Millisecond)
	sink := w.AddTask(connector.TaskID{Connector: "snk", Task: 1}, connector.Sink, &errorhandling.Metrics{})
	sink.SetStatus("PAUSED")
	sink.SinkRead(4)
	sink.SinkPut(4, time.Millisecond)
	sink.OffsetCommit(true, time.Millisecond)
	w.TaskStartup(true)
	w.Rebalance.Started()
	w.Rebalance.Completed(3, "http://leader:8083/")
	return w
}

// gather collects c into families by name.
func gather(t *testing.T, c prometheus.Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

func hasLabel(mf *dto.MetricFamily, name string) bool {
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == name {
				return true
			}
		}
	}
	return false
}

// TestNamesMatchKafka checks every exposed kafka_connect_* family against Kafka's own metric list, both ways:
// each Kafka metric is exposed under its JMX exporter name (or listed in notExposed with a reason), and
// nothing else is exposed under the prefix but app-info.
func TestNamesMatchKafka(t *testing.T) {
	t0 := time.Unix(1000, 0)
	fams := gather(t, NewCollector(populated(func() time.Time { return t0 }), Info{ClientID: "w:8083", Version: "3.9.0"}))
	expected := map[string]bool{Prefix + "app_info": true}
	for _, line := range kafkaNames(t) {
		group, name, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		if _, skip := notExposed[line]; skip {
			if _, ok := fams[Name(group, name)]; ok {
				t.Errorf("%s is exposed but listed as not exposed", line)
			}
			continue
		}
		if fam, ok := labelled[line]; ok {
			expected[fam] = true
			mf := fams[fam]
			if mf == nil || !hasLabel(mf, strings.ReplaceAll(name, "-", "_")) {
				t.Errorf("%s: no %s sample with label %s", line, fam, strings.ReplaceAll(name, "-", "_"))
			}
			continue
		}
		want := Name(group, name)
		expected[want] = true
		mf := fams[want]
		if mf == nil {
			t.Errorf("%s: %s not exposed", line, want)
			continue
		}
		if strings.HasSuffix(name, "-total") != (mf.GetType() == dto.MetricType_COUNTER) {
			t.Errorf("%s: type %v; Kafka totals are counters, everything else gauges", want, mf.GetType())
		}
	}
	for name := range fams {
		if strings.HasPrefix(name, Prefix) && !expected[name] {
			t.Errorf("%s is exposed but is no Kafka Connect metric", name)
		}
	}
}

func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	v, ok := metricstest.Value(fams, name, labels...)
	if !ok {
		t.Fatalf("%s%v missing", name, labels)
	}
	return v
}

// TestValuesAndLabels checks the values and labels the dashboards select on.
func TestValuesAndLabels(t *testing.T) {
	t0 := time.Unix(1000, 0)
	now := t0
	w := populated(func() time.Time { return now })
	now = t0.Add(time.Second)
	fams := gather(t, NewCollector(w, Info{ClientID: "w:8083", Version: "3.9.0"}))
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{Name(GroupWorker, "connector-count"), []string{"connector", "aggregate"}, 1},
		{Name(GroupWorker, "task-count"), []string{"connector", "aggregate"}, 2},
		{Name(GroupWorker, "connector-startup-success-total"), []string{"connector", "aggregate"}, 1},
		{Name(GroupWorker, "task-startup-success-percentage"), []string{"connector", "aggregate"}, 1},
		{Name(GroupWorker, "connector-running-task-count"), []string{"connector", "src"}, 1},
		{Name(GroupWorker, "connector-paused-task-count"), []string{"connector", "snk"}, 1},
		{Name(GroupWorker, "connector-total-task-count"), []string{"connector", "snk"}, 1},
		{Prefix + "connector_metrics", []string{"connector", "src", "status", "running"}, 1},
		{Prefix + "connector_metrics", []string{"connector", "src", "connector_type", "source"}, 1},
		{Prefix + "connector_task_metrics", []string{"connector", "snk", "task", "1", "status", "paused"}, 1},
		{Name(GroupTask, "running-ratio"), []string{"connector", "src", "task", "0"}, 1},
		{Name(GroupTask, "batch-size-max"), []string{"connector", "src", "task", "0"}, 10},
		{Name(GroupTask, "offset-commit-success-percentage"), []string{"connector", "src", "task", "0"}, 1},
		{Name(GroupSourceTask, "source-record-poll-total"), []string{"connector", "src", "task", "0"}, 10},
		{Name(GroupSourceTask, "source-record-write-total"), []string{"connector", "src", "task", "0"}, 1},
		{Name(GroupSourceTask, "source-record-active-count"), []string{"connector", "src", "task", "0"}, 9},
		{Name(GroupSourceTask, "source-record-active-count-max"), []string{"connector", "src", "task", "0"}, 10},
		{Name(GroupSourceTask, "poll-batch-max-time-ms"), []string{"connector", "src", "task", "0"}, 5},
		{Name(GroupSinkTask, "sink-record-read-total"), []string{"connector", "snk", "task", "1"}, 4},
		{Name(GroupSinkTask, "sink-record-send-total"), []string{"connector", "snk", "task", "1"}, 4},
		{Name(GroupSinkTask, "offset-commit-completion-total"), []string{"connector", "snk", "task", "1"}, 1},
		{Name(GroupSinkTask, "offset-commit-seq-no"), []string{"connector", "snk", "task", "1"}, 1},
		{Name(GroupSinkTask, "sink-record-active-count"), []string{"connector", "snk", "task", "1"}, 0},
		{Name(GroupTaskError, "total-record-errors"), []string{"connector", "snk", "task", "1"}, 0},
		{Name(GroupRebalance, "epoch"), nil, 3},
		{Name(GroupRebalance, "completed-rebalances-total"), nil, 1},
		{Name(GroupRebalance, "rebalancing"), nil, 0},
		{Name(GroupRebalance, "time-since-last-rebalance-ms"), nil, 1000},
		{Name(GroupRebalance, "leader-name"), []string{"leader_name", "http://leader:8083/"}, 1},
		{Prefix + "app_info", []string{"client_id", "w:8083", "version", "3.9.0"}, 1},
	}
	for _, c := range checks {
		if got := value(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Before any rebalance completed, Kafka reports +Inf.
	fresh := gather(t, NewCollector(newWorker("EAGER", func() time.Time { return t0 }), Info{}))
	if got := value(t, fresh, Name(GroupRebalance, "time-since-last-rebalance-ms")); !math.IsInf(got, 1) {
		t.Errorf("time since last rebalance before any = %v, want +Inf", got)
	}
}

type pluginTask struct{}

func (pluginTask) ReportMetrics(emit func(connector.Metric)) {
	emit(connector.Metric{Name: "test_messages_total", Help: "h", Kind: connector.Counter,
		Labels: map[string]string{"qos": "1"}, Value: 7})
}

func TestPluginMetrics(t *testing.T) {
	w := newWorker("SESSIONED", time.Now)
	task := w.AddTask(connector.TaskID{Connector: "m", Task: 2}, connector.Source, nil)
	task.SetPlugin(pluginTask{})
	fams := gather(t, NewCollector(w, Info{}))
	if got := value(t, fams, PluginPrefix+"test_messages_total", "connector", "m", "task", "2", "qos", "1"); got != 7 {
		t.Errorf("plugin metric = %v, want 7", got)
	}
	task.SetPlugin(nil)
	w.RemoveTask(task)
	if _, ok := gather(t, NewCollector(w, Info{}))[PluginPrefix+"test_messages_total"]; ok {
		t.Error("a removed task's plugin metrics are still exposed")
	}
}
