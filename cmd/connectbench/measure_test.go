package main

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/worker/kafkalog"
)

func TestPayloadRoundTrip(t *testing.T) {
	ts := time.Date(2026, 11, 22, 1, 2, 3, 456789, time.UTC).UnixNano()
	for _, size := range []int{minPayloadSize, 200, 1024, 4096} {
		for _, seq := range []uint64{0, 1, 42, math.MaxUint64} {
			b := appendPayload([]byte("junk"), size, seq, ts)[len("junk"):]
			if len(b) != size {
				t.Fatalf("size %d seq %d: payload is %d bytes", size, seq, len(b))
			}
			if !json.Valid(b) {
				t.Fatalf("size %d seq %d: not JSON: %s", size, seq, b)
			}
			gotSeq, gotTS, ok := decodePayload(b)
			if !ok || gotSeq != seq || gotTS != ts {
				t.Fatalf("size %d: decode(%s) = %d, %d, %v; want %d, %d", size, b, gotSeq, gotTS, ok, seq, ts)
			}
		}
	}
}

func TestDecodePayloadRejects(t *testing.T) {
	for _, s := range []string{
		``, `{}`, `{"ts":123,"seq":1,"pad":""}`, // ts too short
		`{"ts":17322336001234567x9,"seq":1,"pad":""}`,
		`{"ts":1732233600123456789,"seq":,"pad":""}`,
		`{"ts":1732233600123456789,"seq":99999999999999999999,"pad":""}`, // > MaxUint64
		`{"ts":9999999999999999999,"seq":1,"pad":""}`,                    // > MaxInt64
		`"{\"ts\":1732233600123456789,\"seq\":1,\"pad\":\"\"}"`,          // a JSON string of a payload
	} {
		if _, _, ok := decodePayload([]byte(s)); ok {
			t.Errorf("decodePayload(%s) accepted it", s)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 {
		t.Fatal("empty histogram has a median")
	}
	for us := 1; us <= 100_000; us++ {
		h.record(time.Duration(us) * time.Microsecond)
	}
	for _, q := range []float64{0.01, 0.5, 0.95, 0.99, 1} {
		want := q * 100_000
		got := float64(h.quantile(q).Microseconds())
		if got < want || got > want*(1+1.0/subBuckets)+1 {
			t.Errorf("p%v = %v µs, want %v µs within 1/%d above", q*100, got, want, subBuckets)
		}
	}
	// Small values are exact.
	var small histogram
	for _, us := range []int{3, 1, 2, 7, 5} {
		small.record(time.Duration(us) * time.Microsecond)
	}
	if got := small.quantile(0.5); got != 3*time.Microsecond {
		t.Errorf("median of 1,2,3,5,7 µs = %v", got)
	}
}

func TestHistogramBuckets(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10_000 {
		v := int64(r.Uint64N(1 << uint(r.IntN(62)+1)))
		i := bucketOf(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("bucketOf(%d) = %d out of range", v, i)
		}
		if bucketMax(i) < v || (i > 0 && bucketMax(i-1) >= v) {
			t.Fatalf("value %d in bucket %d holding (%d, %d]", v, i, bucketMax(i-1), bucketMax(i))
		}
	}
	if bucketOf(-5) != 0 {
		t.Error("a negative latency (clock step) is not counted as 0")
	}
}

func TestWindowWaitsForAnEighth(t *testing.T) {
	w := newWindow(16)
	for range 16 {
		if !w.acquire() {
			t.Fatal("acquire failed below the size")
		}
	}
	got := make(chan bool)
	go func() { got <- w.acquire() }()
	waitFor(t, "the 17th acquire to wait", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.waiting == 1
	})
	w.release(1) // 15 outstanding: above the resume mark of 14
	select {
	case <-got:
		t.Fatal("acquire went on with the window still above its resume mark")
	default:
	}
	w.release(1)
	if !<-got {
		t.Fatal("acquire failed after release")
	}
	if sent, done := w.counts(); sent != 17 || done != 2 {
		t.Fatalf("counts = %d, %d", sent, done)
	}
	go func() { got <- w.acquire() }()
	go func() { got <- w.acquire() }()
	go func() { got <- w.acquire() }()
	<-got // 16 outstanding again; the other two wait
	w.close()
	if a, b := <-got, <-got; a || b {
		t.Fatal("acquire succeeded on a closed window")
	}
}

func TestBurstWindowNeverWaitsAndStopsAtItsTotal(t *testing.T) {
	w := newBurst(3)
	for i := range 3 {
		if !w.acquire() {
			t.Fatalf("acquire %d failed below the total", i)
		}
	}
	if w.acquire() {
		t.Fatal("acquire succeeded beyond the burst's total")
	}
	if sent, done := w.counts(); sent != 3 || done != 0 {
		t.Fatalf("counts = %d, %d", sent, done)
	}
}

func TestRecorderCountsTheSteadyWindow(t *testing.T) {
	win := newWindow(100)
	rec := newRecorder(win)
	from := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC) // ts has 19 digits from 2001 to 2286
	rec.setWindow(from, time.Second)
	pub := from.Add(-10 * time.Millisecond).UnixNano()
	rec.observe(from.Add(-time.Millisecond), appendPayload(nil, 100, 1, pub))           // warm-up
	rec.observe(from, appendPayload(nil, 100, 2, pub), appendPayload(nil, 100, 3, pub)) // in, 10 ms
	rec.observe(from.Add(time.Second), appendPayload(nil, 100, 4, pub))                 // after
	rec.observe(from, appendPayload(nil, 100, 0, pub), []byte("not ours"))              // probe, junk
	select {
	case <-rec.probed:
	default:
		t.Fatal("probe not noticed")
	}
	steady, total, bad, _, hist := rec.snapshot()
	if steady != 2 || total != 4 || bad != 1 {
		t.Fatalf("steady %d total %d bad %d; want 2, 4, 1", steady, total, bad)
	}
	if p := hist.quantile(0.5); p < 10*time.Millisecond || p > 10*time.Millisecond*65/64 {
		t.Fatalf("median latency %v, want 10ms", p)
	}
	if _, done := win.counts(); done != 4 {
		t.Fatalf("window got back %d slots, want 4 (probes and junk are not the load's)", done)
	}
}

func TestParseStat(t *testing.T) {
	// A command name with spaces and parentheses; utime 250 and stime 50 ticks.
	stat := []byte("4242 (a (b) c) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 100 1000000 500 " +
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n")
	cpu, err := parseStatCPU(stat)
	if err != nil || cpu != 3*time.Second {
		t.Fatalf("parseStatCPU = %v, %v; want 3s", cpu, err)
	}
	if _, err := parseStatCPU([]byte("4242 (x) S 1 2")); err == nil {
		t.Fatal("a short stat line parsed")
	}
	rss, hwm, err := parseStatusMemory([]byte("Name:\tx\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t3\n"))
	if err != nil || rss != 10<<20 || hwm != 20<<20 {
		t.Fatalf("parseStatusMemory = %d, %d, %v", rss, hwm, err)
	}
	if _, _, err := parseStatusMemory([]byte("Name:\tkthreadd\n")); err == nil {
		t.Fatal("a status without memory parsed")
	}
}

func TestReadOwnProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	a, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Burn some CPU so the counter moves by at least a tick (10 ms).
	x := 0
	for a2 := a; a2.CPU == a.CPU; a2, _ = readProc(os.Getpid()) {
		for i := range 1_000_000 {
			x += i
		}
	}
	b, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if a.RSS <= 0 || a.HWM < a.RSS {
		t.Fatalf("RSS %d HWM %d", a.RSS, a.HWM)
	}
	u := usageBetween(a, b)
	if u.CPU <= 0 || u.CPUPct <= 0 || u.PeakRSS != b.HWM {
		t.Fatalf("usage %+v (x %d)", u, x)
	}
	if err := resetPeakRSS(os.Getpid()); err != nil {
		t.Logf("clear_refs not writable here: %v", err)
	}
}

func TestPublisherTopicsSpreadOverPartitions(t *testing.T) {
	topics := publisherTopics("/mqtt/test/bench/x", 6, 3)
	seen := map[string]bool{}
	for i, topic := range topics {
		if p := kafkalog.Murmur2Partition([]byte(topic), 3); p != int32(i%3) {
			t.Errorf("publisher %d topic %s lands on partition %d", i, topic, p)
		}
		if seen[topic] {
			t.Errorf("topic %s twice", topic)
		}
		seen[topic] = true
	}
}

func TestIntList(t *testing.T) {
	got, err := intList(" 200, 1024 ,", "sizes", 1, 2048)
	if err != nil || len(got) != 2 || got[0] != 200 || got[1] != 1024 {
		t.Fatalf("intList = %v, %v", got, err)
	}
	if _, err := intList("0,2", "qos", 0, 1); err == nil {
		t.Fatal("qos 2 accepted")
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

func TestStatusSpread(t *testing.T) {
	st := func(worker string) herder.ConnectorExpansion {
		return herder.ConnectorExpansion{Status: &herder.ConnectorStateInfo{Connector: herder.ConnectorState{State: "STOPPED", WorkerID: worker}}}
	}
	all := map[string]herder.ConnectorExpansion{
		"l-0": st("a"), "l-1": st("a"), "l-2": st("b"), "l-3": st("c"), "l-4": {}, "other": st("c"),
	}
	spread := statusSpread(all, "l-")
	if len(spread) != 3 || spread[0] != 2 || sum(spread) != 4 {
		t.Fatalf("spread = %v", spread)
	}
	if !balanced(spread, 3) || balanced(spread, 4) || balanced([]int{3, 1}, 2) {
		t.Fatal("balanced is wrong")
	}
}

func TestListTimingOf(t *testing.T) {
	// 1 ms … 200 ms in some order: the p50 is the 100th smallest, the p99 the 198th.
	lat := make([]time.Duration, 200)
	for i := range lat {
		lat[i] = time.Duration((i*7)%200+1) * time.Millisecond
	}
	got := listTimingOf(lat, 2048)
	if want := (ListTiming{Requests: 200, P50Ms: 100, P99Ms: 198, MaxMs: 200, BodyKB: 2}); got != want {
		t.Errorf("listTimingOf(1…200 ms) = %+v, want %+v", got, want)
	}
	// One request is every quantile.
	if got, want := listTimingOf([]time.Duration{3 * time.Millisecond}, 512), (ListTiming{Requests: 1, P50Ms: 3, P99Ms: 3, MaxMs: 3, BodyKB: 0.5}); got != want {
		t.Errorf("listTimingOf(3 ms) = %+v, want %+v", got, want)
	}
	if got := listTimingOf(nil, 0); got != (ListTiming{}) {
		t.Errorf("listTimingOf(none) = %+v, want nothing measured", got)
	}
}

func TestTimeList(t *testing.T) {
	var requests atomic.Int32
	body := strings.Repeat("x", 3*1024)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	got, err := timeList(context.Background(), srv.Client(), srv.URL, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests != 3 || got.BodyKB != 3 || got.MaxMs < got.P99Ms || got.P99Ms < got.P50Ms {
		t.Errorf("timeList = %+v, want 3 requests of 3 KB", got)
	}
	if n := requests.Load(); n != 3+listWarmup {
		t.Errorf("%d requests, want 3 timed after %d untimed", n, listWarmup)
	}

	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "leader unknown", http.StatusConflict)
	}))
	defer fail.Close()
	if _, err := timeList(context.Background(), fail.Client(), fail.URL, 3); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("timeList against a 409: %v, want the status", err)
	}
}
