package mqtt

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
)

// SourceTask reads the messages of its share of the topic filters and returns them as records. It
// implements connector.RecordCommitter: a message is acknowledged to the broker once Kafka acknowledged its
// records.
type SourceTask struct {
	log     *slog.Logger
	cfg     *config
	pipe    *pipeline
	builder *recordBuilder
	sess    *session
	repo    repository

	cancel context.CancelFunc
	done   chan struct{}
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
	clientID := cfg.clientID + "-" + strconv.Itoa(cfg.taskIndex)
	t.sess = newSession(cfg, t.log, t.pipe, clientID, taskFilters(cfg))
	runCtx, cancel := context.WithCancel(context.Background())
	t.cancel, t.done = cancel, make(chan struct{})
	go func() {
		defer close(t.done)
		t.sess.run(runCtx)
	}()
	return nil
}

// minPollWait is the shortest wait of an empty poll, so that a max poll duration of 0 does not make an idle
// task spin.
const minPollWait = 10 * time.Millisecond

// Poll returns the records of the messages ready now, waiting up to the max poll duration for the first. It
// fails with ErrBrokerUnavailable once the task has not been connected for the max retry time.
func (t *SourceTask) Poll(ctx context.Context) ([]*connector.SourceRecord, error) {
	if ctx.Err() != nil {
		t.sess.halt()
		return nil, nil //nolint:nilerr // a cancelled poll is the worker stopping the task: no records, no failure
	}
	deadline := time.Now().Add(max(t.cfg.maxPollDuration, minPollWait))
	for {
		now := time.Now()
		failAt, err := t.sess.failure(now)
		if err != nil {
			return nil, err
		}
		units, aggDue := t.pipe.take(now)
		if len(units) > 0 {
			return t.records(units), nil
		}
		t.pipe.ackPass() // duplicates dropped by idempotency may have become ready
		if !now.Before(deadline) {
			return nil, nil
		}
		wake := deadline
		for _, at := range []time.Time{aggDue, failAt} {
			if !at.IsZero() && at.Before(wake) {
				wake = at
			}
		}
		timer := time.NewTimer(wake.Sub(now))
		select {
		case <-ctx.Done():
			// The worker cancels the poll context only when it stops the task.
			timer.Stop()
			t.sess.halt()
			return nil, nil
		case <-t.pipe.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
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

// Stop disconnects. Messages not yet acknowledged stay with the broker (with a persistent session they are
// redelivered to the task's next start).
func (t *SourceTask) Stop(context.Context) error {
	if t.pipe != nil {
		t.pipe.close()
	}
	if t.cancel != nil {
		t.cancel()
		<-t.done
	}
	if t.repo != nil {
		t.repo.close()
	}
	return nil
}

// taskFilters is the subscription list of one task: every filter when it is the only task, every filter
// through a shared subscription when tasks share them, else its share of the filters.
func taskFilters(c *config) []string {
	switch {
	case c.taskCount <= 1:
		return c.filters
	case c.shared:
		group := shareGroup(c.name)
		out := make([]string, len(c.filters))
		for i, f := range c.filters {
			if strings.HasPrefix(f, "$share/") || strings.HasPrefix(f, "$queue/") {
				out[i] = f
			} else {
				out[i] = "$share/" + group + "/" + f
			}
		}
		return out
	}
	var out []string
	for i := c.taskIndex; i < len(c.filters); i += c.taskCount {
		out = append(out, c.filters[i])
	}
	return out
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
