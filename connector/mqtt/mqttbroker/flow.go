package mqttbroker

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// flowControl is the hook that makes publishers wait for subscribers. mochi calls OnPublish on the
// publisher's read goroutine before it acknowledges and delivers the message, so waiting there holds the
// acknowledgement back and stops reading from the publisher's connection. Every event that can give a
// subscriber room (an acknowledgement, a dropped or expired message, a disconnect, an unsubscribe) wakes the
// waiting publishes to look again.
type flowControl struct {
	mochi.HookBase
	server   *mochi.Server
	window   int
	maxPause time.Duration
	log      *slog.Logger

	waiting atomic.Int32  // publishes looking or waiting; events are broadcast only when there are some
	parked  atomic.Int32  // publishes waiting for a window
	mu      sync.Mutex    // guards changed
	changed chan struct{} // closed and replaced on every event that may free a window
	stop    chan struct{} // closed when the broker stops: nothing waits any more
	once    sync.Once
}

func newFlowControl(s *mochi.Server, window int, maxPause time.Duration, log *slog.Logger) *flowControl {
	return &flowControl{server: s, window: window, maxPause: maxPause, log: log,
		changed: make(chan struct{}), stop: make(chan struct{})}
}

func (f *flowControl) ID() string { return "connectd-flow-control" }

func (f *flowControl) Provides(b byte) bool {
	switch b {
	case mochi.OnPublish, mochi.OnQosComplete, mochi.OnQosDropped, mochi.OnDisconnect, mochi.OnUnsubscribed:
		return true
	}
	return false
}

// Stop releases the waiting publishes; mochi calls it when the server closes.
func (f *flowControl) Stop() error {
	f.once.Do(func() { close(f.stop) })
	return nil
}

// OnPublish waits while a connected subscriber of the topic holds a full window, at most maxPause. QoS 0
// publishes have nothing to acknowledge and take no window; the inline client is paced by its caller.
func (f *flowControl) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Qos == 0 || cl.Net.Inline {
		return pk, nil
	}
	// Counted before the first look, so an event between the look and the wait is not missed: it closes
	// the channel taken before the look.
	f.waiting.Add(1)
	defer f.waiting.Add(-1)
	var timeout <-chan time.Time
	for {
		f.mu.Lock()
		changed := f.changed
		f.mu.Unlock()
		full := f.fullSubscriber(cl.ID, pk.TopicName)
		if full == "" || cl.Closed() {
			return pk, nil
		}
		if timeout == nil {
			t := time.NewTimer(f.maxPause)
			defer t.Stop()
			timeout = t.C
			f.parked.Add(1)
			defer f.parked.Add(-1)
		}
		select {
		case <-changed:
		case <-timeout:
			f.log.Warn("publish waited the longest pause for a subscriber's window; delivering beyond the window",
				"client", cl.ID, "topic", pk.TopicName, "subscriber", full, "pause", f.maxPause)
			return pk, nil
		case <-f.stop:
			return pk, nil
		}
	}
}

// fullSubscriber returns the id of a connected subscriber of topic, other than the publisher, that holds a
// full window, or "". Every member of a shared subscription counts, as mochi may pick any of them.
func (f *flowControl) fullSubscriber(publisher, topic string) string {
	subs := f.server.Topics.Subscribers(topic)
	full := func(id string) bool {
		if id == publisher { // its acknowledgements arrive on the connection that is waiting
			return false
		}
		c, ok := f.server.Clients.Get(id)
		return ok && !c.Closed() && c.State.Inflight.Len() >= f.window
	}
	for id := range subs.Subscriptions {
		if full(id) {
			return id
		}
	}
	for _, group := range subs.Shared {
		for id := range group {
			if full(id) {
				return id
			}
		}
	}
	return ""
}

// changedNow wakes the waiting publishes.
func (f *flowControl) changedNow() {
	if f.waiting.Load() == 0 {
		return
	}
	f.mu.Lock()
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

func (f *flowControl) OnQosComplete(*mochi.Client, packets.Packet)  { f.changedNow() }
func (f *flowControl) OnQosDropped(*mochi.Client, packets.Packet)   { f.changedNow() }
func (f *flowControl) OnDisconnect(*mochi.Client, error, bool)      { f.changedNow() }
func (f *flowControl) OnUnsubscribed(*mochi.Client, packets.Packet) { f.changedNow() }
