package errorhandling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/connectd/connectd/connector"
)

// Reporter persists failures (Kafka's ErrorReporter).
type Reporter interface {
	// Report records the failed context. It returns the report under way, or nil when it is already done.
	Report(c *Context) *Completion
	// Close releases the reporter; reports under way complete, possibly with an error.
	Close() error
}

// Completion is a report under way (Kafka's Future of a report). It is a connector.ErrantRecordReport.
type Completion struct {
	done chan struct{}
	err  error
}

func newCompletion() *Completion { return &Completion{done: make(chan struct{})} }

// complete settles the report; it is called once.
func (c *Completion) complete(err error) {
	c.err = err
	close(c.done)
}

// Done is closed once the report is persisted or has failed.
func (c *Completion) Done() <-chan struct{} { return c.done }

// Err is why the report failed, once Done is closed; nil on success.
func (c *Completion) Err() error { return c.err }

// Wait waits for the report and returns its error, or ctx's.
func (c *Completion) Wait(ctx context.Context) error {
	if c == nil {
		return nil
	}
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// completed is a report that is already persisted.
var completed = func() *Completion {
	c := newCompletion()
	c.complete(nil)
	return c
}()

// Completed returns c, or a completed report when c is nil: for callers that need a report either way.
func Completed(c *Completion) *Completion {
	if c == nil {
		return completed
	}
	return c
}

// allOf combines reports: nil when there are none, the report itself when there is one. Several are joined by
// a goroutine that ends when the last of them completes, which every Reporter guarantees by Close at the
// latest (connectd's reporters make at most one report under way per failure, so this is not a hot path).
func allOf(parts []*Completion) *Completion {
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	all := newCompletion()
	go func() {
		var errs []error
		for _, p := range parts {
			<-p.done
			if p.err != nil {
				errs = append(errs, p.err)
			}
		}
		all.complete(errors.Join(errs...))
	}()
	return all
}

// LogReporter writes each failure to the task's log at ERROR, with Kafka's LogReporter text (errors.log.enable).
type LogReporter struct {
	log             *slog.Logger
	task            connector.TaskID
	includeMessages bool
	metrics         *Metrics
}

// NewLogReporter returns a reporter logging through log (the task's logger) for task; includeMessages is
// errors.log.include.messages.
func NewLogReporter(log *slog.Logger, task connector.TaskID, includeMessages bool, metrics *Metrics) *LogReporter {
	return &LogReporter{log: log, task: task, includeMessages: includeMessages, metrics: metrics}
}

// Report logs a failed context:
//
//	Error encountered in task <connector>-<task>. Executing stage '<STAGE>' with class '<class>'<details>.
//
// where details, with errors.log.include.messages, name the consumed record (topic, partition, offset,
// timestamp: never its key, value or headers) for a sink, or render the whole polled record for a source.
// The error is the record's "err" attribute.
func (r *LogReporter) Report(c *Context) *Completion {
	if c.err == nil {
		return nil
	}
	r.log.Error(r.Message(c), "err", c.err)
	r.metrics.errorsLogged.Add(1)
	return nil
}

// Message is the line Report logs for c.
func (r *LogReporter) Message(c *Context) string {
	var b strings.Builder
	b.WriteString("Error encountered in task ")
	b.WriteString(r.task.Connector + "-" + strconv.Itoa(r.task.Task))
	b.WriteString(". Executing stage '" + c.stage.String() + "' with class '")
	if c.class == "" {
		b.WriteString("null")
	} else {
		b.WriteString(c.class)
	}
	b.WriteByte('\'')
	if r.includeMessages {
		switch {
		case c.Consumed != nil:
			m := c.Consumed
			fmt.Fprintf(&b, ", where consumed record is {topic='%s', partition=%d, offset=%d", m.Topic, m.Partition, m.Offset)
			// sarama does not say whether a timestamp is CreateTime or LogAppendTime; Kafka omits both for a
			// record without one.
			if !m.Timestamp.IsZero() && m.Timestamp.UnixMilli() >= 0 {
				fmt.Fprintf(&b, ", timestamp=%d, timestampType=CreateTime", m.Timestamp.UnixMilli())
			}
			b.WriteByte('}')
		case c.Source != nil:
			b.WriteString(", where source record is = ")
			writeSourceRecord(&b, c.Source)
		}
	}
	b.WriteByte('.')
	return b.String()
}

// Close does nothing: the log needs no release.
func (r *LogReporter) Close() error { return nil }

// writeSourceRecord renders a source record after Java's SourceRecord.toString; values are printed as Go
// prints them.
func writeSourceRecord(b *strings.Builder, rec *connector.SourceRecord) {
	b.WriteString("SourceRecord{sourcePartition=")
	writeMap(b, rec.SourcePartition)
	b.WriteString(", sourceOffset=")
	writeMap(b, rec.SourceOffset)
	b.WriteString("} ConnectRecord{topic='" + rec.Topic + "', kafkaPartition=")
	if rec.Partition == nil {
		b.WriteString("null")
	} else {
		b.WriteString(strconv.Itoa(int(*rec.Partition)))
	}
	b.WriteString(", key=" + javaString(rec.Key) + ", keySchema=" + schemaString(rec.KeySchema))
	b.WriteString(", value=" + javaString(rec.Value) + ", valueSchema=" + schemaString(rec.ValueSchema))
	b.WriteString(", timestamp=")
	if rec.Timestamp.IsZero() {
		b.WriteString("null")
	} else {
		b.WriteString(strconv.FormatInt(rec.Timestamp.UnixMilli(), 10))
	}
	b.WriteString(", headers=ConnectHeaders(headers=")
	for i, h := range rec.Headers {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("ConnectHeader(key=" + h.Key + ", value=" + javaString(h.Value) + ", schema=" + schemaString(h.Schema) + ")")
	}
	b.WriteString(")}")
}

func writeMap(b *strings.Builder, m map[string]any) {
	if m == nil {
		b.WriteString("null")
		return
	}
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + javaString(m[k]))
	}
	b.WriteByte('}')
}

func javaString(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(v)
}

// schemaString is Java's ConnectSchema.toString: Schema{NAME:TYPE} or Schema{TYPE}.
func schemaString(s *connector.Schema) string {
	if s == nil {
		return "null"
	}
	if s.Name != "" {
		return "Schema{" + s.Name + ":" + connector.JavaTypeName(s.Type) + "}"
	}
	return "Schema{" + connector.JavaTypeName(s.Type) + "}"
}
