package connector

// MetricKind says how a plugin metric behaves: a counter only grows while the task runs, a gauge goes up and
// down.
type MetricKind int

// Metric kinds.
const (
	Gauge MetricKind = iota
	Counter
)

// Metric is one value a task reports about itself. The worker exposes it at GET /metrics as
// connectd_<Name> with the labels connector and task added to Labels, so Name should carry the plugin's own
// prefix (e.g. "mqtt_messages_received_total") and follow Prometheus conventions (snake_case, a unit suffix,
// "_total" on counters). Every metric of one Name must have the same label keys.
type Metric struct {
	Name   string
	Help   string
	Kind   MetricKind
	Labels map[string]string
	Value  float64
}

// MetricsReporter is implemented by tasks that report metrics of their own. The worker calls ReportMetrics
// from the goroutine serving a scrape, concurrently with the task's other methods, any time between Start and
// Stop: implementations read their counters atomically (or under their own lock) and call emit once per
// metric, without blocking.
type MetricsReporter interface {
	ReportMetrics(emit func(Metric))
}
