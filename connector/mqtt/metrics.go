package mqtt

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/connectd/connectd/connector"
)

// taskMetrics counts what a task's MQTT connections did; the worker exposes them through ReportMetrics.
type taskMetrics struct {
	received   [3]atomic.Int64 // messages received, by QoS
	acked      atomic.Int64    // QoS 1 and 2 messages acknowledged to the broker
	reconnects atomic.Int64    // connections made again after a connection's first
}

// countedAck acknowledges a message to the broker and counts it.
type countedAck struct {
	paho.Message
	n *atomic.Int64
}

func (a countedAck) Ack() {
	a.Message.Ack()
	a.n.Add(1)
}

// spoolAges remembers when the spooled messages the shipper handed to the pipeline were received, in entry
// order, until their entries are committed: the first is the oldest message the spool still holds (entries are
// read and committed in order, and the shipper reads the oldest first).
type spoolAges struct {
	mu      sync.Mutex
	seqs    []uint64
	arrived []time.Time
}

func (a *spoolAges) push(seq uint64, received time.Time) {
	a.mu.Lock()
	a.seqs = append(a.seqs, seq)
	a.arrived = append(a.arrived, received)
	a.mu.Unlock()
}

// commit forgets the entries up to seq.
func (a *spoolAges) commit(seq uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for n < len(a.seqs) && a.seqs[n] <= seq {
		n++
	}
	if n > 0 {
		a.seqs = append(a.seqs[:0], a.seqs[n:]...)
		a.arrived = append(a.arrived[:0], a.arrived[n:]...)
	}
}

// oldest is the receive time of the oldest message held, zero when none is known.
func (a *spoolAges) oldest() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.arrived) == 0 {
		return time.Time{}
	}
	return a.arrived[0]
}

// ReportMetrics reports the task's MQTT metrics (connector.MetricsReporter); the worker exposes them as
// connectd_mqtt_*: messages received by QoS, acknowledged, in flight, reconnects, the records not committed, the
// bytes held in memory, and with the spool on its size and the age of the oldest message in it.
func (t *SourceTask) ReportMetrics(emit func(connector.Metric)) {
	for qos := range t.metrics.received {
		emit(connector.Metric{Name: "mqtt_messages_received_total", Kind: connector.Counter,
			Help:   "MQTT messages received from the broker, by QoS.",
			Labels: map[string]string{"qos": strconv.Itoa(qos)}, Value: float64(t.metrics.received[qos].Load())})
	}
	emit(connector.Metric{Name: "mqtt_messages_acknowledged_total", Kind: connector.Counter,
		Help:  "QoS 1 and 2 messages acknowledged to the broker (PUBACK/PUBREC): once in Kafka, or with the spool once on disk.",
		Value: float64(t.metrics.acked.Load())})
	emit(connector.Metric{Name: "mqtt_reconnects_total", Kind: connector.Counter,
		Help:  "Connections to the broker made again after a connection's first.",
		Value: float64(t.metrics.reconnects.Load())})
	if t.pipe != nil {
		_, outstanding, unacked := t.pipe.stats()
		emit(connector.Metric{Name: "mqtt_messages_in_flight", Kind: connector.Gauge,
			Help: "Messages the task holds until Kafka has their records: QoS 1 and 2 messages not yet acknowledged " +
				"to the broker, or with the spool, spooled messages not yet committed.",
			Value: float64(unacked)})
		// At camel.source.maxNotCommittedRecords the task hands out nothing until Kafka acknowledges: a slow
		// Kafka then bounds the rate to that many records per round trip or so, which only this tells apart
		// from a task that has nothing to hand out.
		emit(connector.Metric{Name: "mqtt_records_not_committed", Kind: connector.Gauge,
			Help: "Records the task handed to the worker that Kafka has not acknowledged yet; at " +
				fieldMaxNotCommitted + " polls return nothing until it has.",
			Value: float64(outstanding)})
		emit(connector.Metric{Name: "mqtt_buffer_bytes", Kind: connector.Gauge,
			Help:  "What the messages the task holds in memory count against mqtt.buffer.max.bytes.",
			Value: float64(t.pipe.heldBytes())})
	}
	if t.spool != nil {
		emit(connector.Metric{Name: "mqtt_spool_bytes", Kind: connector.Gauge,
			Help:  "Bytes in the task's spool not yet shipped to Kafka (what mqtt.spool.max.bytes bounds).",
			Value: float64(t.spool.sp.Stats().Bytes)})
		age := 0.0
		if at := t.spool.ages.oldest(); !at.IsZero() {
			age = time.Since(at).Seconds()
		}
		emit(connector.Metric{Name: "mqtt_spool_oldest_message_age_seconds", Kind: connector.Gauge,
			Help:  "Age of the oldest message in the task's spool that Kafka does not have yet; 0 when none.",
			Value: age})
	}
}

// ReportMetrics reports the sink task's MQTT metrics (connector.MetricsReporter); the worker exposes them as
// connectd_mqtt_sink_*. Every PUBLISH ends confirmed, queued again when its connection ended (counted as
// published again, even if Close then drops it or the task stops), or given up, so once nothing is in flight
// published = acknowledged + published again + given up.
func (t *SinkTask) ReportMetrics(emit func(connector.Metric)) {
	p := t.pub
	if p == nil {
		return
	}
	emit(connector.Metric{Name: "mqtt_sink_messages_published_total", Kind: connector.Counter,
		Help:  "PUBLISH packets the sink task handed to a connection, messages published again included.",
		Value: float64(p.published.Load())})
	emit(connector.Metric{Name: "mqtt_sink_messages_acknowledged_total", Kind: connector.Counter,
		Help:  "Messages the broker acknowledged (PUBACK, PUBCOMP), or at QoS 0 written to the connection.",
		Value: float64(p.acked.Load())})
	emit(connector.Metric{Name: "mqtt_sink_messages_published_again_total", Kind: connector.Counter,
		Help:  "Messages in flight when a connection ended, queued to be published again on the next one.",
		Value: float64(p.republished.Load())})
	emit(connector.Metric{Name: "mqtt_sink_messages_given_up_total", Kind: connector.Counter,
		Help: "Messages given up because the broker closed the connection every time they were published: " +
			"reported as errant records (or skipped with a warning without a reporter) under errors.tolerance=all, " +
			"failing the task under errors.tolerance=none.",
		Value: float64(p.givenUp.Load())})
	emit(connector.Metric{Name: "mqtt_sink_messages_pending", Kind: connector.Gauge,
		Help:  "Messages taken from Kafka and not confirmed yet: their offsets are not committed.",
		Value: float64(p.pending())})
	emit(connector.Metric{Name: "mqtt_sink_reconnects_total", Kind: connector.Counter,
		Help:  "Connections to the broker made again after the sink task's first.",
		Value: float64(p.reconnects.Load())})
}
