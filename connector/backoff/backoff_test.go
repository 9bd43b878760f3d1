package backoff_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/connectd/connectd/connector/backoff"
)

func TestNextDoublesUpToMaxAndResets(t *testing.T) {
	b := backoff.Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := b.Next(); got != w*time.Millisecond {
			t.Fatalf("Next #%d = %v, want %v", i, got, w*time.Millisecond)
		}
	}
	b.Reset()
	if got := b.Next(); got != 100*time.Millisecond {
		t.Fatalf("Next after Reset = %v, want the base", got)
	}
}

func TestDelay(t *testing.T) {
	for _, tc := range []struct {
		base, max time.Duration
		n         int
		want      time.Duration
	}{
		{100 * time.Millisecond, time.Second, 0, 100 * time.Millisecond},
		{100 * time.Millisecond, time.Second, 3, 800 * time.Millisecond},
		{100 * time.Millisecond, time.Second, 4, time.Second},
		{100 * time.Millisecond, time.Second, 1 << 20, time.Second}, // no overflow for large n
		{2 * time.Second, time.Second, 5, 2 * time.Second},          // a max below the base is the base
	} {
		b := backoff.Backoff{Base: tc.base, Max: tc.max}
		if got := b.Delay(tc.n); got != tc.want {
			t.Errorf("Backoff{%v, %v}.Delay(%d) = %v, want %v", tc.base, tc.max, tc.n, got, tc.want)
		}
	}
}

func TestJitterStaysWithinHalfAndWhole(t *testing.T) {
	b := backoff.Backoff{Base: time.Second, Max: time.Second, Jitter: true}
	varied := false
	first := b.Next()
	for range 200 {
		d := b.Next()
		if d < 500*time.Millisecond || d > time.Second {
			t.Fatalf("jittered delay %v outside [500ms, 1s]", d)
		}
		varied = varied || d != first
	}
	if !varied {
		t.Fatal("200 jittered delays were all equal")
	}
}

func TestWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := backoff.Backoff{Base: time.Second, Max: 4 * time.Second}
		start := time.Now()
		if err := b.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := b.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 3*time.Second {
			t.Fatalf("two waits took %v, want 1s + 2s", got)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start = time.Now()
		if err := b.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait with an ending context = %v, want DeadlineExceeded", err)
		}
		if got := time.Since(start); got != 500*time.Millisecond {
			t.Fatalf("Wait returned after %v, want when the context ended (500ms)", got)
		}
	})
}
