package mqtt

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/spool"
)

// SourceTask reads the messages of its share of the topic filters, over mqtt.connections.per.task
// connections, and returns them as records. It implements connector.RecordCommitter: a message is
// acknowledged to the broker, on the connection it came from, once Kafka acknowledged its records; or, with
// the spool on, once it is in the task's spool, whose entries are committed once Kafka has their records. It
// implements connector.Drainer, so that a stopping worker lets it ship its spool first.
type SourceTask struct {
	log     *slog.Logger
	cfg     *config
	pipe    *pipeline
	builder *recordBuilder
	sess    []*session // one per connection, by index
	repo    repository
	spool   *taskSpool // nil: the spool is off

	// spoolFS is the file system of the spool (nil: the operating system's); tests inject faults with it.
	spoolFS spool.FS

	draining atomic.Bool // Drain was called: hand out what the task holds, take nothing new

	metrics taskMetrics // see ReportMetrics

	pollTimer *time.Timer // Poll's wait; Poll is never called concurrently

	stopOnce sync.Once
	stopped  chan struct{} // closed by Stop: the watch of Start's context ends

	cancel context.CancelFunc
	wg     sync.WaitGroup // the sessions' run goroutines
}

// Start reads the configuration and starts connecting in the background: a broker that is down makes Poll
// fail after the max retry time, not Start.
func (t *SourceTask) Start(ctx context.Context, tc connector.SourceTaskContext, raw map[string]string) error {
	cfg, err := parseConfig(raw)
	if err != nil {
		return err
	}
	t.log = loggerOf(tc)
	t.cfg = cfg
	if cfg.removeHeaders != nil && cfg.removeHeaders.re == nil {
		t.log.Warn("remove headers pattern is not an RE2 regular expression; it removes only the headers it names "+
			"exactly or by a trailing *", "pattern", cfg.removeHeaders.pattern)
	}
	if cfg.idempotency {
		opener, _ := tc.(connector.KeyedLogOpener)
		if t.repo, err = newRepository(ctx, cfg, t.log, opener); err != nil {
			return err
		}
	}
	t.pipe = newPipeline(cfg, t.repo)
	t.builder = newRecordBuilder(cfg)
	var in intake = t.pipe
	if cfg.spool {
		if t.spool, err = openTaskSpool(ctx, cfg, t.log, tc, t.spoolFS, t.pipe); err != nil {
			if t.repo != nil {
				t.repo.close()
			}
			return err
		}
		t.spool.start()
		in = t.spool.in
		t.stopped = make(chan struct{})
		t.wg.Go(func() { t.watchStart(ctx) })
	}
	filters := taskFilters(cfg)
	runCtx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	for n := range cfg.connections {
		s := newSession(cfg, t.log, in, n, filters)
		s.metrics = &t.metrics
		t.sess = append(t.sess, s)
		t.wg.Go(func() { s.run(runCtx) })
	}
	return nil
}

// watchStart closes the spool when Start's context ends before Stop: the worker cancels it when it gives up on
// the task (past task.shutdown.graceful.timeout.ms), and the task may take much longer to reach Stop (its
// records are still being retried while Kafka is down). The next instance of the task, which may start at once,
// needs the spool's directory; what this instance's records Kafka acknowledges from now on are not committed,
// and the next instance ships them again.
func (t *SourceTask) watchStart(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-t.stopped:
		return
	}
	select {
	case <-t.stopped:
		return // an ordinary stop: Stop closes the spool
	default:
	}
	t.log.Warn("the worker gave up on the task before it stopped: closing its mqtt spool for the task's next "+
		"instance, which ships again what this one did not commit", "dir", t.spool.dir)
	t.spool.in.stop()
	t.pipe.close()
	t.spool.stop()
}

// minPollWait is the shortest wait of an empty poll, so that a max poll duration of 0 does not make an idle
// task spin.
const minPollWait = 10 * time.Millisecond

// Poll returns the records of the messages ready now, waiting up to the max poll duration for the first. It
// fails with ErrBrokerUnavailable once the task has not been connected for the max retry time, and with the
// spool's error once its spool cannot be written or read. After Drain it returns connector.ErrDrained once it
// has handed out everything it holds.
func (t *SourceTask) Poll(ctx context.Context) ([]*connector.SourceRecord, error) {
	if ctx.Err() != nil {
		t.halt()
		return nil, nil //nolint:nilerr // a cancelled poll is the worker stopping the task: no records, no failure
	}
	deadline := time.Now().Add(max(t.cfg.maxPollDuration, minPollWait))
	for {
		now := time.Now()
		failAt, err := t.failure(now)
		if err != nil {
			return nil, err
		}
		draining := t.draining.Load()
		if draining && t.spool == nil {
			// Without the spool nothing the task holds was acknowledged: the broker keeps it.
			return nil, connector.ErrDrained
		}
		units, aggDue := t.pipe.take(now, draining)
		if len(units) > 0 {
			return t.records(units), nil
		}
		t.pipe.ackPass() // duplicates dropped by idempotency may have become ready
		if draining && t.spool.drained() {
			return nil, connector.ErrDrained
		}
		if !now.Before(deadline) {
			return nil, nil
		}
		wake := deadline
		for _, at := range []time.Time{aggDue, failAt} {
			if !at.IsZero() && at.Before(wake) {
				wake = at
			}
		}
		// One timer for every wait: at full rate a poll often finds nothing and waits for the next message.
		if t.pollTimer == nil {
			t.pollTimer = time.NewTimer(wake.Sub(now))
		} else {
			t.pollTimer.Reset(wake.Sub(now))
		}
		select {
		case <-ctx.Done():
			// The worker cancels the poll context only when it stops the task.
			t.pollTimer.Stop()
			t.halt()
			return nil, nil
		case <-t.pipe.wake:
		case <-t.pollTimer.C:
		}
		t.pollTimer.Stop()
	}
}

// halt stops every connection from reconnecting (see session.halt).
func (t *SourceTask) halt() {
	for _, s := range t.sess {
		s.halt()
	}
}

// Drain stops taking messages from the broker (the connections stay up for the acknowledgements still due, and
// never reconnect) and makes Poll hand out what the task holds: with the spool on, everything in it, then
// connector.ErrDrained. Without the spool, Poll returns ErrDrained at once: the messages not in Kafka are not
// acknowledged, and the broker keeps them.
func (t *SourceTask) Drain() {
	t.draining.Store(true)
	t.halt()
	if t.spool != nil {
		t.spool.in.stop()
		st := t.spool.sp.Stats()
		t.log.Info("draining the mqtt spool into Kafka before the task stops", "dir", t.spool.dir,
			"messages", st.Next-1-st.Committed)
	}
	if t.pipe != nil {
		t.pipe.signal()
	}
}

// failure is the spool's failure or the first connection's ErrBrokerUnavailable, or else the earliest time one
// would fail (zero: none is failing). A task fails when any one of its connections has been failing for the max
// retry time: the connections share the broker, its address and credentials, so one that alone cannot connect
// for that long has a problem of its own (its client id taken by another client, the broker's connection limit)
// that a restart may clear, and with a persistent session the broker keeps queueing that session's share of the
// shared subscription, where it would wait unseen while the others carry on.
func (t *SourceTask) failure(now time.Time) (time.Time, error) {
	if t.spool != nil {
		if err := t.spool.failure(); err != nil {
			return time.Time{}, err
		}
	}
	var first time.Time
	for _, s := range t.sess {
		at, err := s.failure(now)
		if err != nil {
			return time.Time{}, err
		}
		if !at.IsZero() && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first, nil
}

// records builds the records of units and registers them, so their commits find their messages.
func (t *SourceTask) records(units []*unit) []*connector.SourceRecord {
	out := make([]*connector.SourceRecord, 0, len(units)*len(t.builder.topics))
	for _, u := range units {
		start := len(out)
		out = t.builder.build(u, out)
		u.records = out[start:len(out):len(out)]
	}
	t.pipe.register(units)
	if t.cfg.logContent && t.log.Enabled(context.Background(), t.cfg.contentLevel) {
		for _, r := range out {
			t.logContent(r)
		}
	}
	t.pipe.ackPass()
	return out
}

func (t *SourceTask) logContent(r *connector.SourceRecord) {
	headers := make([]string, len(r.Headers))
	for i, h := range r.Headers {
		headers[i] = h.Key + "=" + logValue(h.Value)
	}
	t.log.Log(context.Background(), t.cfg.contentLevel, "record content", "topic", r.Topic, "key", logValue(r.Key),
		"value", logValue(r.Value), "headers", strings.Join(headers, ","), "timestamp", r.Timestamp.UnixMilli())
}

// CommitRecord is called once Kafka acknowledged rec, or the worker dropped it (meta nil): either way its
// message is done, and messages are acknowledged to the broker in arrival order.
func (t *SourceTask) CommitRecord(rec *connector.SourceRecord, _ *connector.RecordMetadata) error {
	t.pipe.commit(rec)
	return nil
}

// Stop disconnects every connection. Messages not yet acknowledged stay with the broker (with persistent
// sessions they are redelivered to the task's next start, on the connection of the same client id). With the
// spool on it first stops taking messages, writes what was appended, sends the acknowledgements of what became
// durable, and closes the spool: what Kafka does not have yet stays in it for the task's next start.
func (t *SourceTask) Stop(context.Context) error {
	if t.stopped != nil {
		t.stopOnce.Do(func() { close(t.stopped) })
	}
	if t.spool != nil {
		t.spool.in.stop()
	}
	if t.pipe != nil {
		t.pipe.close()
	}
	if t.spool != nil {
		t.spool.stop()
	}
	if t.cancel != nil {
		t.cancel()
		t.wg.Wait()
	}
	if t.repo != nil {
		t.repo.close()
	}
	return nil
}

// connClientID is the client id of connection n of the task: "<clientId>-<task index>" for connection 0,
// the id a task had before it had several connections, so an upgraded worker resumes the persistent
// session that holds the task's queued messages; "<clientId>-<task index>-<n>" for the others. Ids stay the
// same across restarts, so each connection resumes its own persistent session.
func connClientID(c *config, n int) string {
	id := c.clientID + "-" + strconv.Itoa(c.taskIndex)
	if n > 0 {
		id += "-" + strconv.Itoa(n)
	}
	return id
}

// taskFilters is the subscription list of each connection of one task: every filter through a shared
// subscription when tasks or connections share them (else every connection would receive every message),
// every filter as written when there is only one connection in all, else the task's share of the filters.
func taskFilters(c *config) []string {
	filters := ownFilters(c)
	if !sharing(c) {
		return filters
	}
	group := "$share/" + shareGroup(c.name) + "/"
	out := make([]string, len(filters))
	for i, f := range filters {
		if isShared(f) {
			out[i] = f
		} else {
			out[i] = group + f
		}
	}
	return out
}

// sharing reports whether the task's connections subscribe through shared subscriptions.
func sharing(c *config) bool { return c.shared && (c.taskCount > 1 || c.connections > 1) }

// ownFilters are the filters of one task as the user wrote them: all of them, unless tasks divide them.
func ownFilters(c *config) []string {
	if c.taskCount <= 1 || c.shared {
		return c.filters
	}
	var out []string
	for i := c.taskIndex; i < len(c.filters); i += c.taskCount {
		out = append(out, c.filters[i])
	}
	return out
}

// formerFilters are the other forms of the task's filters, as taskFilters would have written them with
// another task or connection count: the plain filter where it subscribes to a shared one, the shared one
// where it subscribes to a plain one. A persistent session keeps its subscriptions across connections, so a
// connection that now subscribes to "$share/<connector>/f" but resumes a session that subscribed to "f"
// would also receive every message on its own (and the reverse); unsubscribing the former form prevents
// that. Filters the user wrote as shared subscriptions have no other form.
func formerFilters(c *config) []string {
	group := "$share/" + shareGroup(c.name) + "/"
	var out []string
	for _, f := range ownFilters(c) {
		switch {
		case isShared(f):
		case sharing(c):
			out = append(out, f)
		default:
			out = append(out, group+f)
		}
	}
	return out
}

// isShared reports whether a filter is a shared subscription ($share/ as in MQTT 5 and Mosquitto, $queue/ as
// in EMQX).
func isShared(f string) bool {
	return strings.HasPrefix(f, "$share/") || strings.HasPrefix(f, "$queue/")
}

// shareGroup makes a connector name usable as a shared subscription group: no level separator or wildcard.
func shareGroup(name string) string {
	if name == "" {
		return "connectd"
	}
	return strings.NewReplacer("/", "_", "+", "_", "#", "_").Replace(name)
}

// loggerOf returns the logger a worker context offers, or a discarding one.
func loggerOf(ctx interface{ Logger() *slog.Logger }) *slog.Logger {
	if ctx != nil {
		if l := ctx.Logger(); l != nil {
			return l
		}
	}
	return slog.New(slog.DiscardHandler)
}
