// Package metrics keeps a worker's Kafka Connect metrics and serves them to Prometheus.
//
// The worker records as things happen: a Worker holds the worker-level counters (connect-worker-metrics) and the
// group membership (connect-worker-rebalance-metrics), a Connector the connector-metrics of an instance, a Task
// the connector-task-metrics, source-task-metrics or sink-task-metrics of a task, its task-error-metrics being
// the error handler's own counters (worker/errorhandling). Recording is atomics and short critical sections on
// the task's hot path. A Collector reads everything at scrape time: no goroutine of its own, nothing pushed.
//
// Names follow Kafka Connect's metric groups and names (ConnectMetricsRegistry) as the Prometheus JMX exporter
// renders them with the Confluent rules: kafka_connect_<group>_<metric>, "-" as "_", labels connector and task;
// string gauges are samples of value 1 with the string in a label. Values follow Kafka's stats: totals since the
// task (or worker) started, rates per second and averages and maxima over two 30 s windows (NaN while empty),
// "-percentage" a fraction from 0 to 1. Tasks' own metrics (connector.MetricsReporter) are added as
// connectd_<name> with the task's labels.
package metrics
