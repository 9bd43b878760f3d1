package worker

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
	"github.com/connectd/connectd/worker/errorhandling"
)

// The benchmarks below measure a source task's per-record work outside Kafka: conversion of a
// connector.SourceRecord into a *sarama.ProducerMessage (sourceSubmitter.process) and the bookkeeping after
// Kafka's acknowledgement (sourceSubmitter.drain: in-order commit and the offset encoding). Producing itself
// needs a cluster and is measured by the load harness.

// benchSubmitter returns a submitter with the worker's usual converters: StringConverter keys,
// schemaless JsonConverter values (workertest's and the integration suite's settings) and
// SimpleHeaderConverter headers (Kafka Connect's default).
func benchSubmitter(b *testing.B) *sourceSubmitter {
	b.Helper()
	key, value := convert.NewString(), convert.NewJSON()
	if err := key.Configure(nil, true); err != nil {
		b.Fatal(err)
	}
	if err := value.Configure(map[string]string{convert.KeySchemasEnable: "false"}, false); err != nil {
		b.Fatal(err)
	}
	return &sourceSubmitter{
		t:       &taskRunner{id: connector.TaskID{Connector: "bench-source", Task: 0}, log: slog.New(slog.DiscardHandler)},
		pipe:    testPipeline(&taskConverters{key: key, value: value, header: convert.NewSimpleHeader()}, errorhandling.Config{}),
		changed: make(chan struct{}, 1),
		offsets: make(map[string]pendingOffset),
		slots:   make(chan struct{}, maxInFlightRecords),
		mem:     semaphore.NewWeighted(33554432),
		memSize: 33554432,
	}
}

var (
	benchStringSchema = &connector.Schema{Type: connector.TypeString}
	benchInt32Schema  = &connector.Schema{Type: connector.TypeInt32}
)

// benchJSON returns a JSON document of about size bytes.
func benchJSON(size int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"vin":"KMHXX00XXXX000000","readings":[`)
	for i := 0; buf.Len() < size-2; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"t":%d,"v":%d.5}`, 1700000000+i, i)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// benchRecords returns the records of the benchmarks for one payload size: what the MQTT source connector
// builds from a JSON and a text message (topic key, two Camel headers, no offsets), and a file-like source
// record with a source partition and offset and no headers.
func benchRecords(size int) []struct {
	name string
	rec  *connector.SourceRecord
} {
	headers := []connector.Header{
		{Key: "CamelHeader.CamelMqttTopic", Schema: benchStringSchema, Value: "/mqtt/test/car1"},
		{Key: "CamelHeader.CamelMqttQoS", Schema: benchInt32Schema, Value: int32(1)},
	}
	text := strings.Repeat("engine temperature nominal ", size/27+1)[:size]
	now := time.Now()
	return []struct {
		name string
		rec  *connector.SourceRecord
	}{
		{"mqtt-json", &connector.SourceRecord{Topic: "vehicles", KeySchema: benchStringSchema, Key: "/mqtt/test/car1",
			Value: connector.RawJSON(benchJSON(size)), Timestamp: now, Headers: headers}},
		{"mqtt-text", &connector.SourceRecord{Topic: "vehicles", KeySchema: benchStringSchema, Key: "/mqtt/test/car1",
			ValueSchema: benchStringSchema, Value: text, Timestamp: now, Headers: headers}},
		{"file", &connector.SourceRecord{Topic: "logs",
			SourcePartition: map[string]any{"filename": "/var/log/app/events.log"},
			SourceOffset:    map[string]any{"position": int64(1234567890)},
			ValueSchema:     benchStringSchema, Value: text}},
	}
}

// BenchmarkSourceConvert is sourceSubmitter.process without transformations: header, key and value
// conversion into a producer message, each under the error handling operator.
func BenchmarkSourceConvert(b *testing.B) {
	for _, size := range []int{200, 1024} {
		for _, bc := range benchRecords(size) {
			b.Run(fmt.Sprintf("%s-%dB", bc.name, size), func(b *testing.B) {
				s := benchSubmitter(b)
				msg, err := s.process(bc.rec)
				if err != nil {
					b.Fatal(err)
				}
				if msg.Value == nil || msg.Value.Length() < size-10 {
					b.Fatalf("converted value has %d bytes, want about %d", msg.Value.Length(), size)
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.process(bc.rec); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSourceRecordPath is the whole per-record path without Kafka: convert, reserve its in-flight slot
// and bytes, queue, acknowledge and drain, which commits the record in order, gives the slot and bytes back
// and encodes its source offset for the next flush.
func BenchmarkSourceRecordPath(b *testing.B) {
	for _, size := range []int{200, 1024} {
		for _, bc := range benchRecords(size) {
			b.Run(fmt.Sprintf("%s-%dB", bc.name, size), func(b *testing.B) {
				s := benchSubmitter(b)
				ctx := b.Context()
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					msg, err := s.process(bc.rec)
					if err != nil {
						b.Fatal(err)
					}
					e, err := s.reserve(ctx, bc.rec, msg)
					if err != nil {
						b.Fatal(err)
					}
					s.enqueue(e)
					s.mu.Lock()
					e.done = true
					s.mu.Unlock()
					s.drain()
				}
				if len(s.queue) != 0 {
					b.Fatalf("%d records left in the queue", len(s.queue))
				}
				if want := bc.rec.SourceOffset != nil; (len(s.offsets) == 1) != want {
					b.Fatalf("%d pending offsets, want one: %v", len(s.offsets), want)
				}
			})
		}
	}
}

// BenchmarkSourceOffsets drains one acknowledged record for each of n source partitions, which encodes n
// offset keys and values, and takes them as a flush does. (Writing them to the offsets topic needs Kafka.)
func BenchmarkSourceOffsets(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("partitions=%d", n), func(b *testing.B) {
			s := benchSubmitter(b)
			recs := make([]*connector.SourceRecord, n)
			for i := range recs {
				recs[i] = &connector.SourceRecord{Topic: "logs",
					SourcePartition: map[string]any{"filename": fmt.Sprintf("/var/log/app/events-%04d.log", i)},
					SourceOffset:    map[string]any{"position": int64(1234567890 + i)},
					ValueSchema:     benchStringSchema, Value: "x"}
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, rec := range recs {
					s.enqueue(&inFlight{rec: rec, done: true})
				}
				s.drain()
				s.mu.Lock()
				pending := s.offsets
				s.offsets = make(map[string]pendingOffset)
				s.mu.Unlock()
				if len(pending) != n {
					b.Fatalf("%d pending offsets, want %d", len(pending), n)
				}
			}
		})
	}
}
