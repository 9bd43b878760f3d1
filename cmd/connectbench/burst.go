package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"
)

// burstSize is the payload size of the open-loop burst: the user's telemetry, the 1 KB of the goals.
const burstSize = goalSize

// burstStall fails the burst when the sink has seen nothing new for this long while messages are missing.
const burstStall = 30 * time.Second

// Burst is the open-loop burst: --burst QoS 1 messages of 1 KB published as fast as the publishers can, with
// no window, into a one-task connector. The broker's flow control (Mosquitto's max_inflight_messages, or the
// in-process broker's wait while a subscriber holds 1,000 unacknowledged messages) and the task's
// back-pressure are all that hold the rest back.
type Burst struct {
	Messages   int `json:"messages"`
	Size       int `json:"size"`
	QoS        int `json:"qos"`
	Publishers int `json:"publishers"`
	// ProduceDelayMs is how late the in-process Kafka answered every produce request (0: as fast as it can).
	ProduceDelayMs int64   `json:"produce_delay_ms,omitempty"`
	PublishS       float64 `json:"publish_s"` // first publish → the broker acknowledged the last one
	DrainS         float64 `json:"drain_s"`   // first publish → the last message in Kafka
	Sent           int64   `json:"sent"`
	Received       int64   `json:"received"` // distinct messages in Kafka
	Lost           int64   `json:"lost"`
	Duplicated     int64   `json:"duplicated"` // copies beyond the first
	// Workers are the live workers with their CPU and peak RSS (VmHWM, reset as the burst starts) from the
	// first publish until the last message is in Kafka.
	Workers []ProcUsage `json:"workers"`
	Err     string      `json:"error,omitempty"`
}

// seqSet counts the distinct sequence numbers a sink saw, and the copies.
type seqSet struct {
	mu     sync.Mutex
	seen   map[uint64]struct{}
	copies int64
}

func (s *seqSet) add(seq uint64) {
	s.mu.Lock()
	if _, dup := s.seen[seq]; dup {
		s.copies++
	} else {
		s.seen[seq] = struct{}{}
	}
	s.mu.Unlock()
}

func (s *seqSet) counts() (distinct, copies int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.seen)), s.copies
}

// measureBurst runs the open-loop burst against a one-task QoS 1 connector and records it in the report.
func (b *bench) measureBurst(ctx context.Context) error {
	burst := &Burst{Messages: b.o.burst, Size: burstSize, QoS: 1, Publishers: b.o.publishers}
	b.rep.Burst = burst
	err := b.burst(ctx, burst)
	if err != nil {
		burst.Err = err.Error()
	}
	return err
}

// measureSlowBurst runs the open-loop burst again while the in-process Kafka answers every produce request
// --slow-kafka late: the broker keeps pushing its in-flight window into a task whose records wait for Kafka,
// so what bounds the worker's memory is the task's back-pressure (mqtt.buffer.max.bytes, producer.buffer.memory),
// not Kafka's speed.
func (b *bench) measureSlowBurst(ctx context.Context) error {
	burst := &Burst{Messages: b.o.burst, Size: burstSize, QoS: 1, Publishers: b.o.publishers, ProduceDelayMs: b.o.slowKafka.Milliseconds()}
	b.rep.SlowBurst = burst
	restore, err := b.kafka.slowProduce(b.o.slowKafka)
	if err == nil {
		err = b.burst(ctx, burst)
		restore()
	}
	if err != nil {
		burst.Err = err.Error()
	}
	return err
}

func (b *bench) burst(ctx context.Context, burst *Burst) error {
	b.seq++
	name := fmt.Sprintf("r%d-burst", b.seq)
	topic := "bench-" + name
	prefix := "/mqtt/test/bench/" + name
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := b.kafka.createTopic(topic, dataPartitions); err != nil {
		return err
	}
	defer func() {
		if err := b.kafka.deleteTopic(topic); err != nil {
			b.log.Warn("cleanup", "err", err)
		}
	}()

	win := newBurst(int64(burst.Messages))
	rec := newRecorder(win)
	seqs := &seqSet{seen: make(map[uint64]struct{}, burst.Messages)}
	rec.onMessage = func(_ time.Time, seq uint64, _ int64) { seqs.add(seq) }
	sink, err := newKafkaSink(b.kafka.brokers, topic, rec)
	if err != nil {
		return err
	}
	var sinkErr errOnce
	sctx, stopSink := context.WithCancel(ctx)
	sinkDone := make(chan struct{})
	go func() {
		defer close(sinkDone)
		if err := sink.Run(sctx); err != nil {
			sinkErr.set(err)
		}
	}()
	defer func() { stopSink(); <-sinkDone }()

	base := b.workers[0].url()
	cfg := b.connectorConfig(name, prefix+"/#", topic, 1, 1)
	if _, err := b.rc.do(ctx, http.MethodPost, base+"/connectors", map[string]any{"name": name, "config": cfg}, nil); err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := b.rc.deleteConnector(dctx, base, name); err != nil {
			b.log.Warn("cleanup", "err", err)
		}
	}()
	if _, err := b.rc.waitRunning(ctx, base, name, 1); err != nil {
		return err
	}
	pubs, err := newPublishers(b.mq.url, name, publisherTopics(prefix, b.o.publishers, dataPartitions), 1, burstSize)
	if err != nil {
		return err
	}
	defer pubs.close()
	if err := pubs.probe(ctx, rec); err != nil {
		return fmt.Errorf("%w (sink: %v)", err, sinkErr.get())
	}

	workers := b.liveWorkers()
	start := make([]procSample, len(workers))
	for i, w := range workers {
		_ = resetPeakRSS(w.pid())
		start[i], _ = readProc(w.pid())
	}
	t0 := time.Now()
	sent, err := pubs.run(ctx, win, 0)
	burst.Sent = sent
	burst.PublishS = math.Round(time.Since(t0).Seconds()*100) / 100
	if err != nil {
		return err
	}
	b.log.Info("burst published", "messages", sent, "seconds", burst.PublishS)

	// Drain: wait until every message is in Kafka, or the sink has seen nothing new for burstStall.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last int64
	progress := time.Now()
	for {
		distinct, _ := seqs.counts()
		if distinct >= sent {
			break
		}
		if distinct > last {
			last, progress = distinct, time.Now()
		}
		if err := sinkErr.get(); err != nil {
			return err
		}
		if time.Since(progress) > burstStall {
			b.log.Warn("burst: messages missing", "missing", sent-distinct, "stalled_for", burstStall)
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	_, _, _, lastAt, _ := rec.snapshot()
	burst.DrainS = math.Round(lastAt.Sub(t0).Seconds()*100) / 100
	var errs []error
	for i, w := range workers {
		end, err := readProc(w.pid())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", w.name, err))
			continue
		}
		u := usageBetween(start[i], end)
		burst.Workers = append(burst.Workers, ProcUsage{Name: w.name, CPUPct: u.CPUPct, PeakRSSMB: mb(u.PeakRSS)})
	}
	distinct, copies := seqs.counts()
	burst.Received, burst.Duplicated, burst.Lost = distinct, copies, max(sent-distinct, 0)
	b.log.Info("burst", "sent", sent, "received", distinct, "lost", burst.Lost, "duplicated", copies,
		"drain_s", burst.DrainS, "workers", burst.Workers)
	if burst.Lost > 0 {
		errs = append(errs, fmt.Errorf("%d of %d messages never reached Kafka", burst.Lost, sent))
	}
	return errors.Join(errs...)
}
