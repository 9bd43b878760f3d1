package worker

import (
	"log/slog"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/config"
)

// TestActiveTopicsRecordOnceUntilReset: a topic is written once, not again while the write is on its way or
// once the store has it, and again after a reset's tombstone; nothing is written with tracking disabled.
func TestActiveTopicsRecordOnceUntilReset(t *testing.T) {
	store, err := storage.New()
	if err != nil {
		t.Fatal(err)
	}
	w := &Worker{cfg: config.Config{TopicTrackingEnable: true}, store: store}
	w.statuses = newStatusWriter(nil, store, slog.New(slog.DiscardHandler))
	a := newActiveTopics(&taskRunner{w: w, id: connector.TaskID{Connector: "c", Task: 2}, log: slog.New(slog.DiscardHandler)})
	key := records.StatusTopicKey("t", "c")

	// written reports the value queued for the status topic, taking it off the queue.
	written := func() []byte {
		t.Helper()
		k, v, ok := w.statuses.next()
		if !ok {
			return nil
		}
		if k != key {
			t.Fatalf("queued key %q, want %q", k, key)
		}
		return v
	}

	a.record("t")
	v := written()
	if v == nil {
		t.Fatal("first use of the topic wrote nothing")
	}
	st, err := records.DecodeTopicStatus(v)
	if err != nil {
		t.Fatal(err)
	}
	if st.Topic != "t" || st.Connector != "c" || st.Task != 2 || st.DiscoverTimestamp == 0 {
		t.Fatalf("topic status %+v", st)
	}
	a.record("t")
	if v := written(); v != nil {
		t.Fatalf("second use before the write was read back wrote %s", v)
	}

	if err := store.ApplyStatusRecord(key, v); err != nil {
		t.Fatal(err)
	}
	a.record("t")
	if v := written(); v != nil {
		t.Fatalf("use of a recorded topic wrote %s", v)
	}

	if err := store.ApplyStatusRecord(key, nil); err != nil { // PUT /connectors/c/topics/reset
		t.Fatal(err)
	}
	a.record("t")
	if written() == nil {
		t.Fatal("use after a reset wrote nothing")
	}

	w.cfg.TopicTrackingEnable = false
	if err := store.ApplyStatusRecord(key, nil); err != nil {
		t.Fatal(err)
	}
	a.record("t")
	if v := written(); v != nil {
		t.Fatalf("topic.tracking.enable=false wrote %s", v)
	}
}
