package main

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTrackedWindowGivesUpOnLostMessages(t *testing.T) {
	w := newWindow(4)
	w.trackLoss(time.Second)
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for seq := uint64(1); seq <= 4; seq++ {
		if !w.acquire() {
			t.Fatal("acquire failed below the size")
		}
		w.publishing(seq, t0.Add(time.Duration(seq)*time.Millisecond))
	}
	got := make(chan bool)
	go func() { got <- w.acquire() }()
	waitFor(t, "the fifth acquire to wait", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.waiting == 1
	})
	w.arrived([]uint64{2, 2, 99}) // a copy and a message never published free nothing more
	if _, done := w.counts(); done != 1 {
		t.Fatalf("done = %d after one message arrived, want 1", done)
	}
	w.expire(t0.Add(time.Second)) // nothing is a second old yet
	if _, lost, _, _ := w.losses(); lost != 0 {
		t.Fatalf("lost %d before the timeout", lost)
	}
	w.expire(t0.Add(time.Second + 3*time.Millisecond)) // 1 and 3 are given up, 4 is not yet
	if !<-got {
		t.Fatal("acquire failed once lost messages were given up")
	}
	w.arrived([]uint64{3, 4}) // 3 arrives late, 4 in time
	outstanding, lost, late, dups := w.losses()
	if outstanding != 0 || lost != 1 || late != 1 || dups != 2 {
		t.Fatalf("losses = outstanding %d, lost %d, late %d, duplicated %d; want 0, 1, 1, 2", outstanding, lost, late, dups)
	}
	if sent, done := w.counts(); sent != 5 || done != 4 {
		t.Fatalf("counts = %d, %d; want 5, 4", sent, done)
	}
}

func TestTrackedWindowForgetsWhatIsSettled(t *testing.T) {
	w := newWindow(1 << 20)
	w.trackLoss(time.Second)
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for seq := uint64(1); seq <= 1000; seq++ {
		w.acquire()
		w.publishing(seq, t0)
		w.arrived([]uint64{seq})
	}
	w.expire(t0.Add(2 * time.Second))
	if len(w.order) != 0 || len(w.outstanding) != 0 {
		t.Fatalf("after expiry the window still holds %d publishes, %d outstanding", len(w.order), len(w.outstanding))
	}
	if _, lost, late, dups := w.losses(); lost+late+dups != 0 {
		t.Fatalf("losses %d %d %d for messages that all arrived", lost, late, dups)
	}
}

func TestUntrackedWindowReleasesEveryArrival(t *testing.T) {
	w := newWindow(10)
	w.acquire()
	w.acquire()
	w.publishing(1, time.Now()) // a no-op without trackLoss
	w.arrived([]uint64{7, 7})
	w.expire(time.Now().Add(time.Hour))
	if _, done := w.counts(); done != 2 {
		t.Fatalf("done = %d, want 2", done)
	}
}

// fakePipeline sustains every rate up to capacity; above it, it loses messages. failFirst more runs at each
// rate fail before it sustains it (a busy machine).
type fakePipeline struct {
	capacity  float64
	failFirst int
	tried     []float64
	failed    map[float64]int
}

func (f *fakePipeline) try(rate float64) (*Run, error) {
	f.tried = append(f.tried, rate)
	r := &Run{Target: rate, Rate: rate, Sent: int64(rate) * 3}
	if f.failed == nil {
		f.failed = map[float64]int{}
	}
	if rate > f.capacity || f.failed[rate] < f.failFirst {
		f.failed[rate]++
		r.Lost, r.Rate = 10, min(rate, f.capacity)
	}
	return r, nil
}

func TestSearchFindsTheHighestSustainedRate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		capacity  float64
		start     float64
		rounds    int
		failFirst int
		want      float64
		tried     []float64
	}{
		{"up, then halfway", 17000, 12500, 1, 0, 15625, []float64{12500, 15625, 19531, 17469}},
		{"up, halfway fails", 17000, 10000, 1, 0, 15625, []float64{10000, 12500, 15625, 19531, 17469}},
		{"down, then halfway", 9000, 12500, 1, 0, 8944, []float64{12500, 10000, 8000, 8944}},
		{"a failed rate is tried again", 16000, 12500, 2, 0, 15625, []float64{12500, 15625, 19531, 19531, 17469, 17469}},
		{"a second round saves a rate", 16000, 15625, 2, 1, 15625, []float64{15625, 15625, 19531, 19531, 17469, 17469}},
		{"nothing sustained", 500, 1342, 1, 0, 0, []float64{1342, 1074}},
		{"the top of the ladder", 1e9, 40000, 1, 0, 53312, []float64{38147, 47684, 53312}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakePipeline{capacity: tc.capacity, failFirst: tc.failFirst}
			s, err := search(context.Background(), ladderStep(tc.start), tc.rounds, f.try)
			if s.Rate != tc.want {
				t.Errorf("rate %v, want %v", s.Rate, tc.want)
			}
			if !slices.Equal(f.tried, tc.tried) {
				t.Errorf("tried %v, want %v", f.tried, tc.tried)
			}
			if len(s.Steps) != len(f.tried) || s.Loss.Runs != len(f.tried) {
				t.Errorf("%d steps, loss over %d runs; want %d", len(s.Steps), s.Loss.Runs, len(f.tried))
			}
			if tc.want > 0 && (s.Run == nil || s.Run.Target != tc.want || err != nil) {
				t.Errorf("run %+v, err %v", s.Run, err)
			}
		})
	}
}

func TestSearchReportsErrorsOnlyWhenNothingWasSustained(t *testing.T) {
	boom := errors.New("stalled")
	calls := 0
	s, err := search(context.Background(), ladderMin+1, 1, func(float64) (*Run, error) {
		calls++
		return nil, boom
	})
	if !errors.Is(err, boom) || s.Rate != 0 || calls != 1 || s.Steps[0].Err == "" {
		t.Fatalf("search = %+v, %v after %d calls", s, err, calls)
	}
	s, err = search(context.Background(), ladderStep(2000), 1, func(rate float64) (*Run, error) {
		if rate > 2000 {
			return nil, boom
		}
		return &Run{Target: rate, Rate: rate}, nil
	})
	if err != nil || s.Rate != ladderRate(ladderStep(2000)) {
		t.Fatalf("search = %v, %v; a failing step above the limit is not an error", s.Rate, err)
	}
	if got := s.steps(); got != "1,876 ok · 2,345 error · 2,097 error" {
		t.Fatalf("steps() = %q", got)
	}
}

func TestLadder(t *testing.T) {
	for k := ladderMin; k+2 <= ladderMax; k++ {
		if r := ladderRate(k) / ladderRate(k+2); math.Abs(r-goalRatioDefaults) > 1e-3 {
			t.Errorf("step %d / step %d = %.4f, not the goal's %.2f", k, k+2, r, goalRatioDefaults)
		}
	}
	if ladderRate(0) != 10000 || ladderRate(2) != 12500 || ladderRate(ladderMin) < 1000 {
		t.Fatalf("ladder: %v %v %v", ladderRate(0), ladderRate(2), ladderRate(ladderMin))
	}
	if ladderStep(12500) != 2 || ladderStep(12499) != 1 || ladderStep(1) != ladderMin || ladderStep(1e9) != ladderMax {
		t.Fatal("ladderStep is wrong")
	}
}

func TestParseBrokerDefaults(t *testing.T) {
	o, err := parseFlags([]string{"--broker-defaults", "emqx, mosquitto,emqx"}, &strings.Builder{})
	if err != nil || strings.Join(o.brokerDefs, ",") != "emqx,mosquitto" {
		t.Fatalf("brokerDefs = %v, %v", o.brokerDefs, err)
	}
	if o, err = parseFlags([]string{"--broker-defaults", ""}, &strings.Builder{}); err != nil || len(o.brokerDefs) != 0 {
		t.Fatalf("empty --broker-defaults = %v, %v", o.brokerDefs, err)
	}
	if _, err := parseFlags([]string{"--broker-defaults", "hivemq"}, &strings.Builder{}); err == nil {
		t.Fatal("an unknown broker profile was accepted")
	}
}
