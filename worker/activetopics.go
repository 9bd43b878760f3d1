package worker

import (
	"sync"
	"time"

	"github.com/connectd/connectd/storage/records"
)

// activeTopics records the topics a task uses in the status topic (Kafka Connect's WorkerTask.recordActiveTopic,
// KIP-558), for source tasks once Kafka acknowledged a record and for sink tasks once a record was converted.
// As in Kafka Connect the status topic is the memory: a topic is written again when its record is gone (after
// PUT /connectors/{name}/topics/reset) and the task uses it again. Each topic's answer is cached until the
// store says it may have changed, so the per-record cost is a map lookup.
type activeTopics struct {
	t *taskRunner

	mu    sync.Mutex
	known map[string]<-chan struct{} // topic → closed when its topic status may have changed
}

func newActiveTopics(t *taskRunner) *activeTopics {
	return &activeTopics{t: t, known: make(map[string]<-chan struct{})}
}

// record writes the task's use of topic unless the status topic already has it or topic.tracking.enable is off.
func (a *activeTopics) record(topic string) {
	if !a.t.w.cfg.TopicTrackingEnable {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if changed, ok := a.known[topic]; ok {
		select {
		case <-changed:
		default:
			return
		}
	}
	// The watch is taken with the lookup, so a write read back later (ours or another task's) or a reset
	// closes it and the next record looks again.
	recorded, changed := a.t.w.store.TopicStatusRecorded(a.t.id.Connector, topic)
	a.known[topic] = changed
	if recorded {
		return
	}
	v, err := records.EncodeTopicStatus(records.TopicStatus{
		Topic: topic, Connector: a.t.id.Connector, Task: a.t.id.Task, DiscoverTimestamp: time.Now().UnixMilli(),
	})
	if err != nil {
		a.t.log.Error("encode topic status", "topic", topic, "err", err)
		return
	}
	a.t.w.statuses.putRaw(records.StatusTopicKey(topic, a.t.id.Connector), v)
}
