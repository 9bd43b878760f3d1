package metrics

import (
	"math"
	"testing"
	"time"
)

func TestSampledWindows(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := newSampled(t0)
	if !math.IsNaN(s.avg(t0)) || !math.IsNaN(s.max(t0)) {
		t.Fatal("avg and max of an empty stat must be NaN, as Kafka's")
	}
	s.record(10, t0)
	s.record(30, t0.Add(time.Second))
	if got := s.avg(t0.Add(2 * time.Second)); got != 20 {
		t.Errorf("avg = %v, want 20", got)
	}
	if got := s.max(t0.Add(2 * time.Second)); got != 30 {
		t.Errorf("max = %v, want 30", got)
	}
	// A second window: both samples count.
	t1 := t0.Add(40 * time.Second)
	s.record(2, t1)
	if got := s.max(t1); got != 30 {
		t.Errorf("max over two windows = %v, want 30", got)
	}
	if got := s.count(t1); got != 3 {
		t.Errorf("count = %v, want 3", got)
	}
	// Once every window has passed, the old samples are forgotten.
	t2 := t0.Add(61 * time.Second)
	if got := s.max(t2); got != 2 {
		t.Errorf("max after the first window expired = %v, want 2", got)
	}
	if got := s.count(t0.Add(200 * time.Second)); got != 0 {
		t.Errorf("count long after = %v, want 0", got)
	}
}

func TestSampledRateCoversAtLeastOneWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := newSampled(t0)
	s.record(300, t0)
	// Kafka's Rate: a fresh stat divides by at least (samples-1) windows, not by the second since creation.
	if got := s.rate(t0.Add(time.Second)); got != 10 {
		t.Errorf("rate = %v, want 300/30s = 10", got)
	}
	if got := s.rate(t0.Add(50 * time.Second)); got != 6 {
		t.Errorf("rate = %v, want 300/50s = 6", got)
	}
}

func TestFrequencies(t *testing.T) {
	t0 := time.Unix(1000, 0)
	f := newFrequencies(t0)
	if ok, failed := f.shares(t0); ok != 0 || failed != 0 {
		t.Errorf("empty shares = %v, %v; want 0, 0", ok, failed)
	}
	f.record(true, t0)
	f.record(true, t0)
	f.record(true, t0)
	f.record(false, t0)
	if ok, failed := f.shares(t0); ok != 0.75 || failed != 0.25 {
		t.Errorf("shares = %v, %v; want 0.75, 0.25 (fractions, not percent)", ok, failed)
	}
}

func TestStateTrackerRatios(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var s stateTracker
	s.set("running", t0)
	s.set("paused", t0.Add(30*time.Second))
	now := t0.Add(40 * time.Second)
	if got := s.ratio("running", now); got != 0.75 {
		t.Errorf("running ratio = %v, want 0.75", got)
	}
	if got := s.ratio("paused", now); got != 0.25 {
		t.Errorf("pause ratio = %v, want 0.25", got)
	}
	if s.current() != "paused" {
		t.Errorf("current = %q", s.current())
	}
}
