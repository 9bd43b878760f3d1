// Package connectortest provides deterministic test plugins for worker and REST tests: a counting source, a
// collecting sink, and behaviours on demand (fail at start, fail in poll, panic). Import it from tests only.
package connectortest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/connectd/connectd/connector"
)

// Class names of the test plugins.
const (
	SourceClass = "io.connectd.test.CountingSourceConnector"
	SinkClass   = "io.connectd.test.CollectingSinkConnector"
)

// Config keys of the test plugins. The source also claims the key namespace "test.source." so that the
// connector.class placeholder rule can be tested.
const (
	KeyTopic     = "topic"
	KeyCount     = "test.source.count"      // records per task; 0 = unbounded
	KeyFailStart = "test.source.fail.start" // "true": Start returns an error
	KeyFailPoll  = "test.source.fail.poll"  // "true": the first Poll returns an error
	KeyPanicPoll = "test.source.panic.poll" // "true": the first Poll panics
)

// Register adds the test plugins.
func Register(r *connector.Registry) error {
	if err := r.Register(connector.Plugin{
		Class: SourceClass, Type: connector.Source, Version: "1.0.0", TaskClass: "io.connectd.test.CountingSourceTask",
		KeyPrefixes: []string{"test.source."},
		Spec: connector.NewSpec(
			connector.String(KeyTopic).Documentation("Topic to write to.").Imp(connector.High),
			connector.Long(KeyCount).WithDefault("0").Documentation("Records per task; 0 is unbounded."),
			connector.Bool(KeyFailStart).WithDefault("false").Documentation("Fail at start."),
			connector.Bool(KeyFailPoll).WithDefault("false").Documentation("Fail in the first poll."),
			connector.Bool(KeyPanicPoll).WithDefault("false").Documentation("Panic in the first poll."),
		),
		NewConnector:  func() connector.Connector { return &fanout{} },
		NewSourceTask: func() connector.SourceTask { return &countingSource{} },
	}); err != nil {
		return err
	}
	return r.Register(connector.Plugin{
		Class: SinkClass, Type: connector.Sink, Version: "1.0.0", TaskClass: "io.connectd.test.CollectingSinkTask",
		Spec:         connector.NewSpec(),
		NewConnector: func() connector.Connector { return &fanout{} },
		NewSinkTask:  func() connector.SinkTask { return &collectingSink{} },
	})
}

// Starts counts task starts per "connector-task" id across the process, so tests can assert that a task was
// (or was not) restarted.
var Starts = &counter{m: map[string]int{}}

type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counter) inc(k string) {
	c.mu.Lock()
	c.m[k]++
	c.mu.Unlock()
}

// Get returns the count for key.
func (c *counter) Get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

// fanout is a connector that gives every task the connector's config plus its task number.
type fanout struct{ config map[string]string }

func (f *fanout) Start(_ context.Context, _ connector.Context, config map[string]string) error {
	if config[KeyFailStart] == "true" {
		return errors.New("connector asked to fail at start")
	}
	f.config = config
	return nil
}

func (f *fanout) TaskConfigs(_ context.Context, maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		c := maps.Clone(f.config)
		c["test.task.id"] = strconv.Itoa(i)
		out[i] = c
	}
	return out, nil
}

func (f *fanout) Stop(context.Context) error { return nil }

// countingSource emits records "<task>-<n>" with offsets {"n": n} in partition {"task": id}, resuming after the
// committed offset.
type countingSource struct {
	topic string
	task  string
	next  int64
	limit int64
	cfg   map[string]string
	first bool
}

func (s *countingSource) Start(_ context.Context, tc connector.SourceTaskContext, config map[string]string) error {
	s.cfg = config
	s.topic = config[KeyTopic]
	s.task = config["test.task.id"]
	s.limit, _ = strconv.ParseInt(config[KeyCount], 10, 64)
	s.first = true
	Starts.inc(config["name"] + "-" + s.task)
	if off := tc.Offsets().Offset(map[string]any{"task": s.task}); off != nil {
		if n, ok := off["n"].(int64); ok {
			s.next = n + 1
		}
	}
	return nil
}

func (s *countingSource) Poll(ctx context.Context) ([]*connector.SourceRecord, error) {
	if s.first {
		s.first = false
		if s.cfg[KeyFailPoll] == "true" {
			return nil, errors.New("source asked to fail in poll")
		}
		if s.cfg[KeyPanicPoll] == "true" {
			panic("source asked to panic in poll")
		}
	}
	if s.limit > 0 && s.next >= s.limit {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
			return nil, nil
		}
	}
	var recs []*connector.SourceRecord
	for i := 0; i < 100 && (s.limit == 0 || s.next < s.limit); i++ {
		recs = append(recs, &connector.SourceRecord{
			SourcePartition: map[string]any{"task": s.task},
			SourceOffset:    map[string]any{"n": s.next},
			Topic:           s.topic,
			KeySchema:       &connector.Schema{Type: connector.TypeString, Optional: true},
			Key:             s.task,
			ValueSchema:     &connector.Schema{Type: connector.TypeString, Optional: true},
			Value:           fmt.Sprintf("%s-%d", s.task, s.next),
		})
		s.next++
	}
	return recs, nil
}

func (s *countingSource) Stop(context.Context) error { return nil }

// Collected holds what collecting sinks received, by connector name.
var Collected = &collection{m: map[string][]string{}}

type collection struct {
	mu sync.Mutex
	m  map[string][]string
}

// Values returns a copy of the values collected for a connector.
func (c *collection) Values(name string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.m[name]...)
}

type collectingSink struct{ name string }

func (s *collectingSink) Start(_ context.Context, _ connector.SinkTaskContext, config map[string]string) error {
	s.name = config["name"]
	Starts.inc(config["name"] + "-" + config["test.task.id"])
	return nil
}

func (s *collectingSink) Put(_ context.Context, recs []*connector.SinkRecord) error {
	Collected.mu.Lock()
	defer Collected.mu.Unlock()
	for _, r := range recs {
		Collected.m[s.name] = append(Collected.m[s.name], fmt.Sprint(r.Value))
	}
	return nil
}

func (s *collectingSink) Flush(context.Context, map[connector.TopicPartition]int64) error { return nil }
func (s *collectingSink) Stop(context.Context) error                                      { return nil }
