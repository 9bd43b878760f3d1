// Package backoff is the one exponential back-off of connectd: a first delay, doubled after each failure up
// to a ceiling, optionally jittered, and a wait that ends early with its context. Each caller keeps its own
// numbers (most mirror a Kafka client or Kafka Connect setting) and says where they come from.
//
// It sits under connector, the lowest layer, so that plugins (connector/mqtt's reconnects) and the runtime
// (worker and its packages) share it: depguard forbids connector from importing worker.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is an exponential back-off. The zero value is not useful: set Base and Max. A Backoff is used by
// one goroutine at a time.
type Backoff struct {
	// Base is the first delay.
	Base time.Duration
	// Max caps the delay; a Max below Base means Base.
	Max time.Duration
	// Jitter makes each delay a random duration between half of it and all of it ("equal jitter"), so that
	// many clients failing together do not retry together.
	Jitter bool

	failures int
}

// Delay is the delay before retry n (0-based) without jitter: Base doubled n times, capped at Max. It is
// for callers that count failures themselves.
func (b *Backoff) Delay(n int) time.Duration {
	ceiling := max(b.Max, b.Base)
	d := b.Base
	for i := 0; i < n && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// Next counts a failure and returns how long to wait before the next attempt: Base after the first
// failure, doubling after each further one up to Max.
func (b *Backoff) Next() time.Duration {
	d := b.Delay(b.failures)
	b.failures++
	if b.Jitter && d > 1 {
		d = d/2 + rand.N(d/2+1)
	}
	return d
}

// Reset starts the back-off over after a success.
func (b *Backoff) Reset() { b.failures = 0 }

// Wait waits Next(), or until ctx ends, and then returns ctx's error.
func (b *Backoff) Wait(ctx context.Context) error {
	t := time.NewTimer(b.Next())
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
