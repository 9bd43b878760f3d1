package metrics

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/connectd/connectd/connector"
)

// Prefix starts the name of every Kafka Connect metric, as the JMX exporter's Kafka Connect rules render the
// JMX domain kafka.connect.
const Prefix = "kafka_connect_"

// PluginPrefix starts the names of the metrics plugins report about themselves (connector.MetricsReporter).
const PluginPrefix = "connectd_"

// Kafka Connect's metric groups (ConnectMetricsRegistry), which name the MBean type and so the Prometheus name.
const (
	GroupConnector     = "connector-metrics"
	GroupTask          = "connector-task-metrics"
	GroupSourceTask    = "source-task-metrics"
	GroupSinkTask      = "sink-task-metrics"
	GroupWorker        = "connect-worker-metrics"
	GroupRebalance     = "connect-worker-rebalance-metrics"
	GroupTaskError     = "task-error-metrics"
	aggregateConnector = "aggregate"
)

// Name is the Prometheus name of Kafka metric name in group: kafka_connect_<group>_<name> with every "-" as
// "_", as the JMX exporter 0.x renders it with the Confluent rules (jmx-monitoring-stacks kafka_connect.yml).
// Names ending in _total keep the suffix.
func Name(group, name string) string {
	return Prefix + strings.ReplaceAll(group, "-", "_") + "_" + strings.ReplaceAll(name, "-", "_")
}

// Info describes the worker for the app-info metric.
type Info struct {
	// ClientID is the worker id (host:port), the client-id of Kafka Connect's app-info MBean.
	ClientID string
	Version  string
	Commit   string
	Start    time.Time
}

// Collector exposes a Worker's metrics to Prometheus, read at scrape time.
type Collector struct {
	w    *Worker
	info Info
}

// NewCollector returns a collector of w's metrics.
func NewCollector(w *Worker, info Info) *Collector { return &Collector{w: w, info: info} }

// Describe sends nothing: the metric set follows the connectors and tasks the worker runs, so the collector
// is unchecked.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Handler serves GET /metrics: w's metrics, the Go runtime's and the process's, in Prometheus' text format
// (or OpenMetrics when asked). It needs nothing from the herder, so it answers before the worker is ready.
func Handler(w *Worker, info Info) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(w, info), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// emitter builds samples; Descs are made per scrape, which costs little next to the text encoding.
type emitter struct {
	ch chan<- prometheus.Metric
}

// startups emits connect-worker-metrics' <kind>-startup-* metrics (kind "connector" or "task").
func (e emitter) startups(kind string, s *startups, now time.Time, labels []string) {
	e.kafka(GroupWorker, kind+"-startup-attempts-total", "The total number of "+kind+" startups that this worker has attempted.",
		float64(s.attempts.Load()), labels...)
	e.kafka(GroupWorker, kind+"-startup-success-total", "The total number of "+kind+" starts that succeeded.",
		float64(s.successes.Load()), labels...)
	e.kafka(GroupWorker, kind+"-startup-failure-total", "The total number of "+kind+" starts that failed.",
		float64(s.failures.Load()), labels...)
	ok, failed := s.recent.shares(now)
	e.kafka(GroupWorker, kind+"-startup-success-percentage", "The fraction (0-1) of recent "+kind+" starts that succeeded.", ok, labels...)
	e.kafka(GroupWorker, kind+"-startup-failure-percentage", "The fraction (0-1) of recent "+kind+" starts that failed.", failed, labels...)
}

func (e emitter) emit(name, help string, vt prometheus.ValueType, v float64, labels ...string) {
	keys, vals := make([]string, 0, len(labels)/2), make([]string, 0, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		keys, vals = append(keys, labels[i]), append(vals, labels[i+1])
	}
	e.ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, help, keys, nil), vt, v, vals...)
}

// kafka emits a Kafka metric: a counter when its name ends in -total (a CumulativeSum), else a gauge.
func (e emitter) kafka(group, name, help string, v float64, labels ...string) {
	vt := prometheus.GaugeValue
	if strings.HasSuffix(name, "-total") {
		vt = prometheus.CounterValue
	}
	e.emit(Name(group, name), help, vt, v, labels...)
}

// Collect reads every metric of the worker.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	e := emitter{ch: ch}
	now := c.w.now()
	c.collectInfo(e)
	c.collectWorker(e, now)
	c.collectRebalance(e, now)
	c.w.connectors.Range(func(_, v any) bool {
		conn := v.(*Connector)
		const help = "Kafka Connect connector-metrics as the JMX exporter renders string attributes: 1, the value in a label."
		name := Prefix + "connector_metrics"
		e.emit(name, help, prometheus.UntypedValue, 1, "connector", conn.Name, "status", conn.Status())
		e.emit(name, help, prometheus.UntypedValue, 1, "connector", conn.Name, "connector_class", conn.Class)
		e.emit(name, help, prometheus.UntypedValue, 1, "connector", conn.Name, "connector_type", conn.Type)
		e.emit(name, help, prometheus.UntypedValue, 1, "connector", conn.Name, "connector_version", conn.Version)
		return true
	})
	c.w.tasks.Range(func(_, v any) bool {
		c.collectTask(e, v.(*Task), now)
		return true
	})
	c.collectOrphanedSpools(e)
}

// compareTaskIDs orders task ids by connector, then task number.
func compareTaskIDs(a, b connector.TaskID) int {
	if c := strings.Compare(a.Connector, b.Connector); c != 0 {
		return c
	}
	return a.Task - b.Task
}

// collectOrphanedSpools emits connectd's own gauges of the spools no task on this worker ships.
func (c *Collector) collectOrphanedSpools(e emitter) {
	orphans := c.w.OrphanedSpools()
	for _, id := range slices.SortedFunc(maps.Keys(orphans), compareTaskIDs) {
		o := orphans[id]
		labels := []string{"connector", id.Connector, "task", strconv.Itoa(id.Task)}
		e.emit(PluginPrefix+"spool_orphaned_entries", "Messages in a task's spool under spool.dir, not in Kafka, that no task "+
			"on this worker ships (the task moved to another worker, or its connector was deleted or stopped).",
			prometheus.GaugeValue, float64(o.Entries), labels...)
		e.emit(PluginPrefix+"spool_orphaned_bytes", "Bytes of those messages, with their framing.",
			prometheus.GaugeValue, float64(o.Bytes), labels...)
		damaged := 0.0
		if o.Damaged {
			damaged = 1
		}
		e.emit(PluginPrefix+"spool_orphaned_damaged", "1 when the spool's task, opening it, would meet damage (a damaged "+
			"segment or checkpoint), or the spool could not be read: the entries counted may not be all it holds.",
			prometheus.GaugeValue, damaged, labels...)
	}
}

func (c *Collector) collectInfo(e emitter) {
	e.emit(Prefix+"app_info", "Kafka Connect app-info: 1, the worker's version, commit and start time in labels.",
		prometheus.UntypedValue, 1, "client_id", c.info.ClientID, "version", c.info.Version,
		"commit_id", c.info.Commit, "start_time_ms", strconv.FormatInt(c.info.Start.UnixMilli(), 10))
}

// taskCounts are the per-connector counts of connect-worker-metrics, by lower-cased state.
var taskCountStates = []string{"running", "paused", "failed", "unassigned", "destroyed", "restarting"}

func (c *Collector) collectWorker(e emitter, now time.Time) {
	w := c.w
	agg := []string{"connector", aggregateConnector}
	conns, tasks := 0, 0
	w.connectors.Range(func(_, _ any) bool { conns++; return true })
	counts := map[string]map[string]int{}
	w.tasks.Range(func(_, v any) bool {
		t := v.(*Task)
		tasks++
		if counts[t.ID.Connector] == nil {
			counts[t.ID.Connector] = map[string]int{}
		}
		counts[t.ID.Connector][t.Status()]++
		counts[t.ID.Connector]["total"]++
		return true
	})
	e.kafka(GroupWorker, "connector-count", "The number of connectors run in this worker.", float64(conns), agg...)
	e.kafka(GroupWorker, "task-count", "The number of tasks run in this worker.", float64(tasks), agg...)
	e.startups("connector", w.connectorStartups, now, agg)
	e.startups("task", w.taskStartups, now, agg)
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		byState := counts[name]
		e.kafka(GroupWorker, "connector-total-task-count", "The number of tasks of the connector on the worker.",
			float64(byState["total"]), "connector", name)
		for _, s := range taskCountStates {
			e.kafka(GroupWorker, "connector-"+s+"-task-count", "The number of "+s+" tasks of the connector on the worker.",
				float64(byState[s]), "connector", name)
		}
	}
}

func (c *Collector) collectRebalance(e emitter, now time.Time) {
	r := c.w.Rebalance
	rebalancing, leader := r.state()
	b := 0.0
	if rebalancing {
		b = 1
	}
	e.kafka(GroupRebalance, "epoch", "The epoch or generation number of this worker.", float64(r.epoch.Load()))
	e.kafka(GroupRebalance, "rebalancing", "Whether this worker is currently rebalancing (1) or not (0).", b)
	e.kafka(GroupRebalance, "completed-rebalances-total", "The total number of rebalances completed by this worker.",
		float64(r.completed.Load()))
	e.kafka(GroupRebalance, "rebalance-max-time-ms", "The maximum time in milliseconds spent by this worker to rebalance.",
		r.times.max(now))
	e.kafka(GroupRebalance, "rebalance-avg-time-ms", "The average time in milliseconds spent by this worker to rebalance.",
		r.times.avg(now))
	e.kafka(GroupRebalance, "time-since-last-rebalance-ms", "The time in milliseconds since this worker completed the most recent rebalance.",
		r.sinceLast(now))
	// String gauges, as Strimzi's rules export them: 1, the value in a label named after the metric.
	e.emit(Name(GroupRebalance, "connect-protocol"), "The Connect protocol used by this cluster, in the label.",
		prometheus.UntypedValue, 1, "connect_protocol", r.protocol)
	e.emit(Name(GroupRebalance, "leader-name"), "The name of the group leader, in the label.",
		prometheus.UntypedValue, 1, "leader_name", leader)
}

func (c *Collector) collectTask(e emitter, t *Task, now time.Time) {
	l := []string{"connector", t.ID.Connector, "task", strconv.Itoa(t.ID.Task)}
	e.emit(Prefix+"connector_task_metrics", "Kafka Connect connector-task-metrics status: 1, the task's state in the label.",
		prometheus.UntypedValue, 1, append(slices.Clone(l), "status", t.Status())...)
	e.kafka(GroupTask, "running-ratio", "The fraction of time this task has spent in the running state.",
		t.states.ratio("running", now), l...)
	e.kafka(GroupTask, "pause-ratio", "The fraction of time this task has spent in the pause state.",
		t.states.ratio("paused", now), l...)
	e.kafka(GroupTask, "offset-commit-max-time-ms", "The maximum time in milliseconds taken by this task to commit offsets.",
		t.commitTime.max(now), l...)
	e.kafka(GroupTask, "offset-commit-avg-time-ms", "The average time in milliseconds taken by this task to commit offsets.",
		t.commitTime.avg(now), l...)
	e.kafka(GroupTask, "batch-size-max", "The number of records in the largest batch the task has processed so far.",
		t.batchSize.max(now), l...)
	e.kafka(GroupTask, "batch-size-avg", "The average number of records in the batches the task has processed so far.",
		t.batchSize.avg(now), l...)
	ok, failed := t.commits.shares(now)
	e.kafka(GroupTask, "offset-commit-success-percentage", "The fraction (0-1) of this task's offset commit attempts that succeeded.", ok, l...)
	e.kafka(GroupTask, "offset-commit-failure-percentage", "The fraction (0-1) of this task's offset commit attempts that failed.", failed, l...)

	switch t.Type {
	case connector.Source:
		e.kafka(GroupSourceTask, "source-record-poll-rate", "The average per-second number of records produced/polled (before transformation) by this task.",
			t.pollRate.rate(now), l...)
		e.kafka(GroupSourceTask, "source-record-poll-total", "The total number of records produced/polled (before transformation) by this task.",
			float64(t.pollTotal.Load()), l...)
		e.kafka(GroupSourceTask, "source-record-write-rate", "The average per-second number of records written to Kafka by this task, after transformations.",
			t.writeRate.rate(now), l...)
		e.kafka(GroupSourceTask, "source-record-write-total", "The number of records written to Kafka by this task since it was last restarted, after transformations.",
			float64(t.writeTotal.Load()), l...)
		e.kafka(GroupSourceTask, "poll-batch-max-time-ms", "The maximum time in milliseconds taken by this task to poll for a batch of source records.",
			t.pollTime.max(now), l...)
		e.kafka(GroupSourceTask, "poll-batch-avg-time-ms", "The average time in milliseconds taken by this task to poll for a batch of source records.",
			t.pollTime.avg(now), l...)
		e.kafka(GroupSourceTask, "source-record-active-count", "The number of records that have been produced by this task but not yet completely written to Kafka.",
			float64(t.active.Load()), l...)
		e.kafka(GroupSourceTask, "source-record-active-count-max", "The maximum number of records produced by this task but not yet completely written to Kafka.",
			t.activeStat.max(now), l...)
		e.kafka(GroupSourceTask, "source-record-active-count-avg", "The average number of records produced by this task but not yet completely written to Kafka.",
			t.activeStat.avg(now), l...)
	case connector.Sink:
		e.kafka(GroupSinkTask, "sink-record-read-rate", "The average per-second number of records read from Kafka by this task, before transformations.",
			t.readRate.rate(now), l...)
		e.kafka(GroupSinkTask, "sink-record-read-total", "The total number of records read from Kafka by this task since it was last restarted.",
			float64(t.readTotal.Load()), l...)
		e.kafka(GroupSinkTask, "sink-record-send-rate", "The average per-second number of records output from the transformations and sent/put to this task.",
			t.sendRate.rate(now), l...)
		e.kafka(GroupSinkTask, "sink-record-send-total", "The total number of records output from the transformations and sent/put to this task since it was last restarted.",
			float64(t.sendTotal.Load()), l...)
		e.kafka(GroupSinkTask, "sink-record-active-count", "The number of records put to the task whose offsets are not yet committed.",
			float64(t.sinkActive.Load()), l...)
		e.kafka(GroupSinkTask, "sink-record-active-count-max", "The maximum number of records put to the task whose offsets were not yet committed.",
			t.activeStat.max(now), l...)
		e.kafka(GroupSinkTask, "sink-record-active-count-avg", "The average number of records put to the task whose offsets were not yet committed.",
			t.activeStat.avg(now), l...)
		e.kafka(GroupSinkTask, "partition-count", "The number of topic partitions assigned to this task.",
			float64(t.partitions.Load()), l...)
		e.kafka(GroupSinkTask, "offset-commit-seq-no", "The current sequence number for offset commits.",
			float64(t.commitSeq.Load()), l...)
		e.kafka(GroupSinkTask, "offset-commit-completion-rate", "The average per-second number of offset commit completions that were completed successfully.",
			t.completionRate.rate(now), l...)
		e.kafka(GroupSinkTask, "offset-commit-completion-total", "The total number of offset commit completions that were completed successfully.",
			float64(t.completions.Load()), l...)
		e.kafka(GroupSinkTask, "offset-commit-skip-rate", "The average per-second number of offset commit completions that were received too late and skipped/ignored.",
			t.skipRate.rate(now), l...)
		e.kafka(GroupSinkTask, "offset-commit-skip-total", "The total number of offset commit completions that were received too late and skipped/ignored.",
			float64(t.skips.Load()), l...)
		e.kafka(GroupSinkTask, "put-batch-max-time-ms", "The maximum time taken by this task to put a batch of sinks records.",
			t.putTime.max(now), l...)
		e.kafka(GroupSinkTask, "put-batch-avg-time-ms", "The average time taken by this task to put a batch of sinks records.",
			t.putTime.avg(now), l...)
	}

	if t.Errors != nil {
		s := t.Errors.Snapshot()
		e.kafka(GroupTaskError, "total-record-failures", "The number of record processing failures in this task.",
			float64(s.TotalRecordFailures), l...)
		e.kafka(GroupTaskError, "total-record-errors", "The number of record processing errors in this task.",
			float64(s.TotalRecordErrors), l...)
		e.kafka(GroupTaskError, "total-records-skipped", "The number of records skipped due to errors.",
			float64(s.TotalRecordsSkipped), l...)
		e.kafka(GroupTaskError, "total-retries", "The number of operations retried.", float64(s.TotalRetries), l...)
		e.kafka(GroupTaskError, "total-errors-logged", "The number of errors that were logged.", float64(s.TotalErrorsLogged), l...)
		e.kafka(GroupTaskError, "deadletterqueue-produce-requests", "The number of attempted writes to the dead letter queue.",
			float64(s.DeadLetterQueueProduceRequests), l...)
		e.kafka(GroupTaskError, "deadletterqueue-produce-failures", "The number of failed writes to the dead letter queue.",
			float64(s.DeadLetterQueueProduceFailures), l...)
		var last float64
		if !s.LastErrorTimestamp.IsZero() {
			last = float64(s.LastErrorTimestamp.UnixMilli())
		}
		e.kafka(GroupTaskError, "last-error-timestamp", "The epoch timestamp when this task last encountered an error.", last, l...)
	}

	if r := t.plugin.Load(); r != nil {
		r.ReportMetrics(func(m connector.Metric) {
			vt := prometheus.GaugeValue
			if m.Kind == connector.Counter {
				vt = prometheus.CounterValue
			}
			labels := slices.Clone(l)
			for _, k := range slices.Sorted(maps.Keys(m.Labels)) {
				labels = append(labels, k, m.Labels[k])
			}
			e.emit(PluginPrefix+m.Name, m.Help, vt, m.Value, labels...)
		})
	}
}
