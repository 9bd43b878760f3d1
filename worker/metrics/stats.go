package metrics

import (
	"math"
	"sync"
	"time"
)

// Kafka Connect's sampling defaults (WorkerConfig metrics.sample.window.ms and metrics.num.samples): windowed
// statistics cover the last one to two 30 s windows.
const (
	sampleWindow = 30 * time.Second
	numSamples   = 2
)

// sample is one window of a sampled statistic.
type sample struct {
	start time.Time
	count int64
	sum   float64
	max   float64
}

// sampled is Kafka's SampledStat with two 30 s windows: what Avg, Max and Rate read. A record goes into the
// current window, which is replaced once it is older than the window; samples older than all windows together
// are forgotten when read. A mutex is cheap here: each task records from one or two goroutines.
type sampled struct {
	mu      sync.Mutex
	samples [numSamples]sample
	cur     int
	created time.Time
}

func newSampled(now time.Time) *sampled {
	s := &sampled{created: now}
	for i := range s.samples {
		s.samples[i].start = now
	}
	return s
}

// record adds v at now.
func (s *sampled) record(v float64, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.samples[s.cur]
	if now.Sub(c.start) >= sampleWindow {
		s.cur = (s.cur + 1) % numSamples
		c = &s.samples[s.cur]
		*c = sample{start: now}
	}
	if c.count == 0 || v > c.max {
		c.max = v
	}
	c.count++
	c.sum += v
}

// purge forgets samples that ended more than every window ago (Kafka's purgeObsoleteSamples); s.mu held.
func (s *sampled) purge(now time.Time) {
	for i := range s.samples {
		if now.Sub(s.samples[i].start) >= numSamples*sampleWindow {
			s.samples[i] = sample{start: now}
		}
	}
}

// avg is the mean of what was recorded in the windows; NaN when nothing was (Kafka's Avg).
func (s *sampled) avg(now time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purge(now)
	var n int64
	var sum float64
	for _, x := range s.samples {
		n += x.count
		sum += x.sum
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// max is the largest value recorded in the windows; NaN when nothing was (Kafka's Max).
func (s *sampled) max(now time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purge(now)
	m, seen := math.NaN(), false
	for _, x := range s.samples {
		if x.count > 0 && (!seen || x.max > m) {
			m, seen = x.max, true
		}
	}
	return m
}

// count is the number of values recorded in the windows.
func (s *sampled) count(now time.Time) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purge(now)
	var n int64
	for _, x := range s.samples {
		n += x.count
	}
	return n
}

// rate is the sum recorded in the windows per second of the time they cover, at least one full window
// (Kafka's Rate over a WindowedSum: a fresh stat does not report a burst as a huge rate).
func (s *sampled) rate(now time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purge(now)
	oldest := now
	var sum float64
	for _, x := range s.samples {
		sum += x.sum
		if x.start.Before(oldest) {
			oldest = x.start
		}
	}
	elapsed := now.Sub(oldest)
	if full := (numSamples - 1) * sampleWindow; elapsed < full {
		elapsed = full
	}
	return sum / elapsed.Seconds()
}

// frequencies is Kafka's Frequencies.forBooleanValues: the share of true and false outcomes recorded in the
// windows, each a fraction from 0 to 1, and 0 before any.
type frequencies struct {
	ok, failed *sampled
}

func newFrequencies(now time.Time) frequencies {
	return frequencies{ok: newSampled(now), failed: newSampled(now)}
}

func (f frequencies) record(ok bool, now time.Time) {
	if ok {
		f.ok.record(1, now)
	} else {
		f.failed.record(1, now)
	}
}

// shares returns the fractions of successes and failures.
func (f frequencies) shares(now time.Time) (ok, failed float64) {
	o, x := f.ok.count(now), f.failed.count(now)
	if o+x == 0 {
		return 0, 0
	}
	return float64(o) / float64(o+x), float64(x) / float64(o+x)
}

// stateTracker is Kafka's StateTracker: the task's current state and how long it has spent in each since its
// first one, for running-ratio and pause-ratio.
type stateTracker struct {
	mu    sync.Mutex
	state string
	since time.Time
	first time.Time
	spent map[string]time.Duration
}

func (s *stateTracker) set(state string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spent == nil {
		s.spent = make(map[string]time.Duration)
		s.first = now
	} else {
		s.spent[s.state] += now.Sub(s.since)
	}
	s.state, s.since = state, now
}

func (s *stateTracker) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// ratio is the fraction of the time since the first state spent in state.
func (s *stateTracker) ratio(state string, now time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spent == nil {
		return 0
	}
	total := now.Sub(s.first)
	if total <= 0 {
		if s.state == state {
			return 1
		}
		return 0
	}
	in := s.spent[state]
	if s.state == state {
		in += now.Sub(s.since)
	}
	return float64(in) / float64(total)
}
