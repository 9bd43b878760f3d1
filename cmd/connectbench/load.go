package main

import (
	"context"
	"errors"
	"time"
)

// loadGen publishes a run's messages: the MQTT publishers, or the Kafka baseline's producer process.
type loadGen interface {
	// probe sends readiness probes until the sink saw one.
	probe(ctx context.Context, rec *recorder) error
	// run sends until ctx ends or the window closes, and returns how many messages it sent.
	run(ctx context.Context, win *window, rate float64) (int64, error)
	close()
}

// probeTimeout bounds the wait for the first probe to cross the pipeline: a task's connection and
// subscription, a topic's leaders.
const probeTimeout = 60 * time.Second

// probeUntil calls send every 100 ms until the recorder saw a probe.
func probeUntil(ctx context.Context, rec *recorder, send func() error) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := send(); err != nil {
			return err
		}
		select {
		case <-rec.probed:
			return nil
		case <-ctx.Done():
			return errors.New("no probe message reached the sink within " + probeTimeout.String())
		case <-tick.C:
		}
	}
}

// pace calls send for n = 0, 1, 2, … each after taking a window slot, spaced to rate per second (0: as fast
// as the window allows), until ctx ends, the window closes or send fails. send reports whether it sent. pace
// returns the number sent.
func pace(ctx context.Context, win *window, rate float64, send func(n uint64) (bool, error)) (int64, error) {
	start := time.Now()
	var sent int64
	for n := uint64(0); ctx.Err() == nil; n++ {
		if rate > 0 {
			due := start.Add(time.Duration(float64(n) / rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return sent, nil
				case <-t.C:
				}
			}
		}
		if !win.acquire() {
			break
		}
		ok, err := send(n)
		if ok {
			sent++
		}
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// fanOut runs f for 0..n-1 concurrently and sums what they sent; the error is the first one.
func fanOut(n int, f func(i int) (int64, error)) (int64, error) {
	type result struct {
		sent int64
		err  error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			sent, err := f(i)
			results <- result{sent, err}
		}()
	}
	var total int64
	var first error
	for range n {
		r := <-results
		total += r.sent
		if r.err != nil && first == nil {
			first = r.err
		}
	}
	return total, first
}
