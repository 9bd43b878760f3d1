package mqtt

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
)

// reported collects a task's metrics by name and sorted labels.
func reported(task *SourceTask) map[string]float64 {
	out := map[string]float64{}
	task.ReportMetrics(func(m connector.Metric) {
		key := m.Name
		if q, ok := m.Labels["qos"]; ok {
			key += "{qos=" + q + "}"
		}
		out[key] = m.Value
	})
	return out
}

func TestMetricsFollowMessages(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startTask(t, baseConfig(b, map[string]string{fieldCleanSession: "false"}))
	var _ connector.MetricsReporter = task
	waitConnected(t, b, "it-0")
	for i := range 4 {
		b.Publish(t, "/mqtt/test/car", []byte(strconv.Itoa(i)), byte(i%2))
	}
	recs := pollN(t, task, 4, 10*time.Second)
	m := reported(task)
	if m["mqtt_messages_received_total{qos=0}"] != 2 || m["mqtt_messages_received_total{qos=1}"] != 2 {
		t.Errorf("received by QoS = %v", m)
	}
	if m["mqtt_messages_in_flight"] != 2 || m["mqtt_records_not_committed"] != 4 || m["mqtt_messages_acknowledged_total"] != 0 {
		t.Errorf("before Kafka has the records: in flight %v, not committed %v, acknowledged %v; want 2, 4, 0",
			m["mqtt_messages_in_flight"], m["mqtt_records_not_committed"], m["mqtt_messages_acknowledged_total"])
	}
	if _, ok := m["mqtt_spool_bytes"]; ok {
		t.Error("spool metrics reported without a spool")
	}
	commitAll(t, task, recs)
	waitFor(t, 5*time.Second, "acks counted", func() bool { return reported(task)["mqtt_messages_acknowledged_total"] == 2 })
	if m := reported(task); m["mqtt_messages_in_flight"] != 0 || m["mqtt_records_not_committed"] != 0 {
		t.Errorf("after commit: in flight %v, not committed %v; want 0, 0", m["mqtt_messages_in_flight"],
			m["mqtt_records_not_committed"])
	}

	b.Kick(t, "it-0")
	waitFor(t, 10*time.Second, "reconnect counted", func() bool { return reported(task)["mqtt_reconnects_total"] == 1 })
}

func TestSpoolMetrics(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startSpooled(t, spoolConfig(b, nil), t.TempDir(), nil)
	waitConnected(t, b, "it-0")
	published := time.Now()
	for i := range 3 {
		b.Publish(t, "/mqtt/test/car", seqPayload(i), 1)
	}
	waitFor(t, 10*time.Second, "acknowledged once durable", func() bool {
		return reported(task)["mqtt_messages_acknowledged_total"] == 3
	})
	recs := pollN(t, task, 3, 10*time.Second)
	var names []string
	task.ReportMetrics(func(m connector.Metric) {
		if !slices.Contains(names, m.Name) {
			names = append(names, m.Name)
		}
	})
	// The names deploy/'s dashboard queries (worker/metrics TestDashboardUsesServedNames pins the same list).
	want := []string{"mqtt_messages_received_total", "mqtt_messages_acknowledged_total", "mqtt_reconnects_total",
		"mqtt_messages_in_flight", "mqtt_records_not_committed", "mqtt_buffer_bytes", "mqtt_spool_bytes",
		"mqtt_spool_oldest_message_age_seconds"}
	if !slices.Equal(names, want) {
		t.Errorf("metric names %q, want %q", names, want)
	}
	m := reported(task)
	if m["mqtt_spool_bytes"] <= 0 {
		t.Errorf("spool bytes = %v with 3 messages not in Kafka", m["mqtt_spool_bytes"])
	}
	if age := m["mqtt_spool_oldest_message_age_seconds"]; age <= 0 || age > time.Since(published).Seconds() {
		t.Errorf("oldest age = %v, want in (0, %v]", age, time.Since(published).Seconds())
	}
	commitAll(t, task, recs)
	m = reported(task)
	if m["mqtt_spool_bytes"] != 0 || m["mqtt_spool_oldest_message_age_seconds"] != 0 {
		t.Errorf("after Kafka has everything: spool bytes %v, oldest age %v; want 0, 0",
			m["mqtt_spool_bytes"], m["mqtt_spool_oldest_message_age_seconds"])
	}
}
