package worker

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestSupervisorStopCancelsAndWaits(t *testing.T) {
	s := newSupervisor(context.Background())
	var ended [2]bool
	for i := range ended {
		s.Go(func(ctx context.Context) {
			<-ctx.Done()
			ended[i] = true
		})
	}
	s.Stop()
	// Stop returned, so both goroutines have returned (and the race detector sees the writes ordered).
	if !ended[0] || !ended[1] {
		t.Fatalf("Stop returned before its goroutines ended: %v", ended)
	}
	ran := false
	r := s.Go(func(context.Context) { ran = true })
	<-r.Done()
	if ran {
		t.Fatal("Go started a goroutine after Stop")
	}
}

func TestSupervisorRoutineCancelAlone(t *testing.T) {
	s := newSupervisor(context.Background())
	defer s.Stop()
	a := s.Go(func(ctx context.Context) { <-ctx.Done() })
	b := s.Go(func(ctx context.Context) { <-ctx.Done() })
	a.stop()
	select {
	case <-b.Done():
		t.Fatal("cancelling one routine ended another")
	default:
	}
}

// An abandoned routine no longer holds Stop up; it still ends when its function returns.
func TestSupervisorStopSkipsAbandoned(t *testing.T) {
	s := newSupervisor(context.Background())
	stuck := make(chan struct{})
	r := s.Go(func(context.Context) { <-stuck }) // ignores its context, as a hung plugin does
	r.abandon()
	r.abandon() // idempotent: must not release the count twice
	other := s.Go(func(ctx context.Context) { <-ctx.Done() })
	s.Stop()
	select {
	case <-other.Done():
	default:
		t.Fatal("Stop returned before a counted routine ended")
	}
	close(stuck)
	<-r.Done()
}

// awaitAll waits for abandoned routines too, but only until its deadline.
func TestSupervisorAwaitAllIncludesAbandoned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSupervisor(context.Background())
		stuck := make(chan struct{})
		r := s.Go(func(context.Context) { <-stuck })
		r.abandon()
		s.Stop() // does not wait for it
		start := time.Now()
		if s.awaitAll(start.Add(time.Second)) {
			t.Fatal("awaitAll reported a stuck abandoned routine returned")
		}
		if waited := time.Since(start); waited != time.Second {
			t.Fatalf("awaitAll gave up after %v, want its deadline (1s)", waited)
		}
		close(stuck)
		if !s.awaitAll(time.Now().Add(time.Hour)) {
			t.Fatal("awaitAll gave up on a routine that returned")
		}
		select {
		case <-r.Done():
		default:
			t.Fatal("awaitAll returned before the abandoned routine did")
		}
	})
}
