package storage

import (
	"testing"

	"github.com/connectd/connectd/storage/records"
)

// TestTopicStatusRecorded: the answer is exact for the connector and topic (no prefix match on either), and
// its channel closes when the topic status is written or deleted.
func TestTopicStatusRecorded(t *testing.T) {
	s := newStore(t)
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	key := records.StatusTopicKey("orders", "a")
	value := enc(records.EncodeTopicStatus(records.TopicStatus{Topic: "orders", Connector: "a", DiscoverTimestamp: 1}))

	ok, ch := s.TopicStatusRecorded("a", "orders")
	if ok {
		t.Fatal("recorded before any record")
	}
	applyStatus(t, s, key, value)
	if !closed(ch) {
		t.Fatal("channel still open after the topic status was written")
	}
	ok, ch = s.TopicStatusRecorded("a", "orders")
	if !ok {
		t.Fatal("not recorded after the topic status was written")
	}
	for _, q := range [][2]string{{"ab", "orders"}, {"a", "order"}, {"", "aorders"}} {
		if ok, _ := s.TopicStatusRecorded(q[0], q[1]); ok {
			t.Errorf("TopicStatusRecorded(%q, %q) = true", q[0], q[1])
		}
	}
	applyStatus(t, s, key, nil)
	if !closed(ch) {
		t.Fatal("channel still open after the tombstone")
	}
	if ok, _ := s.TopicStatusRecorded("a", "orders"); ok {
		t.Fatal("recorded after the tombstone")
	}
}
