package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/connectd/connectd/herder"
)

// measureRESTReady starts a worker of a group of its own against the running Kafka, several times, and
// times process start → first 200 of GET / and → 200 of GET /health. A first, unmeasured start creates the
// group's internal topics, which a deployed worker finds in place.
func (b *bench) measureRESTReady(ctx context.Context) error {
	rr := &RESTReady{}
	group := b.group + "-ready"
	for i := range b.o.restReady + 1 {
		w, err := b.newWorker(fmt.Sprintf("ready%d", i), group)
		if err != nil {
			return err
		}
		if err := w.start(); err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		restAt, err := w.waitREST(wctx, b.rc)
		var healthyAt time.Time
		if err == nil {
			healthyAt, err = w.waitHealthy(wctx, b.rc)
		}
		cancel()
		w.stop(30 * time.Second)
		if err != nil {
			return err
		}
		if i == 0 {
			continue
		}
		rr.RESTMs = append(rr.RESTMs, ms(restAt.Sub(w.started)))
		rr.HealthyMs = append(rr.HealthyMs, ms(healthyAt.Sub(w.started)))
	}
	rr.MedianMs, rr.MedianHlthy = median(rr.RESTMs), median(rr.HealthyMs)
	b.rep.RESTReady = rr
	b.log.Info("rest ready", "median_ms", rr.MedianMs, "healthy_median_ms", rr.MedianHlthy)
	return nil
}

// measureFailover runs a one-task connector on three workers under a steady QoS 1 load and kill -9s the
// worker running the task, several times (the killed worker is restarted in between). It times the task's
// RUNNING status on another worker, as a survivor reports it, and the first record published after the kill
// reaching Kafka.
func (b *bench) measureFailover(ctx context.Context) error {
	b.seq++
	name := fmt.Sprintf("r%d-failover", b.seq)
	topic := "bench-" + name
	prefix := "/mqtt/test/bench/" + name
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := b.kafka.createTopic(topic, dataPartitions); err != nil {
		return err
	}
	defer func() { _ = b.kafka.deleteTopic(topic) }()

	// No window: messages published while no task is subscribed are dropped by the broker (clean session,
	// as the user's config), and must not hold the load back.
	win := newWindow(math.MaxInt)
	rec := newRecorder(win)
	var resumedAt atomic.Int64
	var mark atomic.Int64
	rec.onMessage = func(now time.Time, _ uint64, ts int64) {
		if m := mark.Load(); m != 0 && ts > m && resumedAt.Load() == 0 {
			resumedAt.CompareAndSwap(0, now.UnixNano())
		}
	}
	sink, err := newKafkaSink(b.kafka.brokers, topic, rec)
	if err != nil {
		return err
	}
	var g errgroup.Group
	sctx, stopSink := context.WithCancel(ctx)
	g.Go(func() error { return sink.Run(sctx) })
	defer func() { stopSink(); _ = g.Wait() }()

	base := b.workers[0].url()
	filter := prefix + "/#"
	cfg := b.connectorConfig(name, filter, topic, 1, 1)
	if _, err := b.rc.do(ctx, http.MethodPost, base+"/connectors", map[string]any{"name": name, "config": cfg}, nil); err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = b.rc.deleteConnector(dctx, b.liveWorkers()[0].url(), name)
	}()
	if _, err := b.rc.waitRunning(ctx, base, name, 1); err != nil {
		return err
	}
	pubs, err := newPublishers(b.mq.url, name, publisherTopics(prefix, 1, dataPartitions), 1, 200)
	if err != nil {
		return err
	}
	defer pubs.close()
	if err := pubs.probe(ctx, rec); err != nil {
		return err
	}
	lctx, stopLoad := context.WithCancel(ctx)
	var lg errgroup.Group
	lg.Go(func() error { _, err := pubs.run(lctx, win, b.o.failoverRate); return err })
	defer func() { stopLoad(); win.close(); _ = lg.Wait() }()

	f := &Failover{Rate: b.o.failoverRate}
	for range b.o.failover {
		if err := b.restartDead(ctx); err != nil {
			return err
		}
		owner, err := b.stableOwner(ctx, name)
		if err != nil {
			return err
		}
		var victim *workerProc
		for _, w := range b.workers {
			if w.id() == owner {
				victim = w
			}
		}
		if victim == nil {
			return fmt.Errorf("task runs on %s, which is none of the bench's workers", owner)
		}
		resumedAt.Store(0)
		killedAt := time.Now()
		mark.Store(killedAt.UnixNano())
		victim.kill()
		running, err := b.waitMoved(ctx, name, victim)
		if err != nil {
			return err
		}
		f.RunningS = append(f.RunningS, math.Round(running.Sub(killedAt).Seconds()*100)/100)
		deadline := time.Now().Add(60 * time.Second)
		for resumedAt.Load() == 0 && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		if resumedAt.Load() == 0 {
			return errors.New("no record published after the kill reached Kafka within 60s of the task moving")
		}
		resumed := time.Unix(0, resumedAt.Load())
		f.ResumeS = append(f.ResumeS, math.Round(resumed.Sub(killedAt).Seconds()*100)/100)
		b.log.Info("failover", "killed", victim.name, "running_s", f.RunningS[len(f.RunningS)-1], "resume_s", f.ResumeS[len(f.ResumeS)-1])
	}
	f.MedianRunningS, f.MedianResumeS = median(f.RunningS), median(f.ResumeS)
	b.rep.Failover = f
	return b.restartDead(ctx)
}

// restartDead starts again every worker that was killed, and waits until they are healthy.
func (b *bench) restartDead(ctx context.Context) error {
	var restarted []*workerProc
	for _, w := range b.workers {
		if !w.running() {
			if err := w.start(); err != nil {
				return err
			}
			restarted = append(restarted, w)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, w := range restarted {
		if _, err := w.waitHealthy(wctx, b.rc); err != nil {
			return err
		}
	}
	return nil
}

// stableOwner waits until the connector's task has been RUNNING on the same worker for two seconds (a
// restarted worker's rejoin may move it) and returns that worker's id.
func (b *bench) stableOwner(ctx context.Context, name string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var owner string
	var since time.Time
	for {
		ws := b.liveWorkers()
		st, err := b.rc.connectorStatus(ctx, ws[0].url(), name)
		switch {
		case err != nil || !tasksRunning(st, 1):
			owner = ""
		case st.Tasks[0].WorkerID != owner:
			owner, since = st.Tasks[0].WorkerID, time.Now()
		case time.Since(since) >= 2*time.Second:
			return owner, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("connector %s: no stable task owner within 90s (%v)", name, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitMoved polls a survivor until the task is RUNNING on a worker other than victim.
func (b *bench) waitMoved(ctx context.Context, name string, victim *workerProc) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	survivor := b.liveWorkers()[0]
	for {
		st, err := b.rc.connectorStatus(ctx, survivor.url(), name)
		if err == nil && tasksRunning(st, 1) && st.Tasks[0].WorkerID != victim.id() {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("task of %s not RUNNING elsewhere 5 min after killing %s", name, victim.name)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// listConcurrency is how many POST /connectors the bench keeps in flight while creating connectors.
const listConcurrency = 16

// measureList creates many STOPPED connectors through the REST API (parallel POSTs with
// "initial_state":"STOPPED") and times GET /connectors?expand=status with all of them.
func (b *bench) measureList(ctx context.Context) error {
	base := b.workers[0].url()
	b.seq++
	prefix := fmt.Sprintf("r%d-list-", b.seq)
	l := &ListLatency{Connectors: b.o.connectors, Method: `parallel POST /connectors with "initial_state":"STOPPED"`}
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(listConcurrency)
	for i := range b.o.connectors {
		g.Go(func() error {
			name := prefix + strconv.Itoa(i)
			body := map[string]any{"name": name, "initial_state": "STOPPED",
				"config": b.connectorConfig(name, "/mqtt/test/bench/"+name+"/#", "bench-"+name, 1, 1)}
			_, err := b.rc.do(gctx, http.MethodPost, base+"/connectors", body, nil)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("create connectors: %w", err)
	}
	// Created means every one has a status (the worker that owns it wrote STOPPED); steady means the group
	// spread them evenly over the live workers, as it does once its rebalances are over.
	listURL := base + "/connectors?expand=status"
	live := len(b.liveWorkers())
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var spread []int
	for {
		var all map[string]herder.ConnectorExpansion
		_, err := b.rc.do(wctx, http.MethodGet, listURL, nil, &all)
		if err == nil {
			spread = statusSpread(all, prefix)
			if sum(spread) == b.o.connectors && balanced(spread, live) {
				l.Balanced = true
				break
			}
		}
		select {
		case <-wctx.Done():
			if sum(spread) < b.o.connectors {
				return fmt.Errorf("%d of %d connectors with a status after 2 min", sum(spread), b.o.connectors)
			}
			b.log.Warn("connectors not spread evenly over the workers after 2 min; timing GET anyway", "spread", spread)
		case <-time.After(200 * time.Millisecond):
			continue
		}
		break
	}
	l.Spread = spread
	l.CreateS = math.Round(time.Since(start).Seconds()*10) / 10
	b.log.Info("connectors created", "n", b.o.connectors, "seconds", l.CreateS, "spread", spread)

	timing, err := timeList(ctx, b.rc.hc, listURL, b.o.listRequests)
	if err != nil {
		return err
	}
	l.ListTiming = timing
	b.rep.List = l
	b.log.Info("list", "p50_ms", l.P50Ms, "p99_ms", l.P99Ms)
	return nil
}

// statusSpread counts the connectors named with prefix that have a status, per worker, largest first.
func statusSpread(all map[string]herder.ConnectorExpansion, prefix string) []int {
	per := map[string]int{}
	for name, e := range all {
		if strings.HasPrefix(name, prefix) && e.Status != nil && e.Status.Connector.State != "" {
			per[e.Status.Connector.WorkerID]++
		}
	}
	spread := slices.Collect(maps.Values(per))
	slices.SortFunc(spread, func(a, b int) int { return b - a })
	return spread
}

// balanced reports whether every one of workers holds some and the counts differ by at most one.
func balanced(spread []int, workers int) bool {
	return len(spread) == workers && spread[0]-spread[len(spread)-1] <= 1
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// listWarmup is how many GETs of a listing go untimed before the timed ones: they warm connections and caches.
const listWarmup = 5

// timeList times n GETs of listURL, after listWarmup that are not timed.
func timeList(ctx context.Context, hc *http.Client, listURL string, n int) (ListTiming, error) {
	lat := make([]time.Duration, 0, n)
	var body int
	for i := range n + listWarmup {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, listURL, nil)
		if err != nil {
			return ListTiming{}, err
		}
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return ListTiming{}, err
		}
		size, err := drain(resp)
		d := time.Since(t0)
		if err != nil {
			return ListTiming{}, err
		}
		if i >= listWarmup {
			lat = append(lat, d)
			body = size
		}
	}
	return listTimingOf(lat, body), nil
}

// listTimingOf sums up request latencies and the last body's size in bytes; no requests, no timing.
func listTimingOf(lat []time.Duration, body int) ListTiming {
	if len(lat) == 0 {
		return ListTiming{}
	}
	lat = slices.Sorted(slices.Values(lat))
	// The p-quantile is the smallest latency at least a fraction p of the requests did not exceed.
	q := func(p float64) float64 { return ms(lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)]) }
	return ListTiming{Requests: len(lat), P50Ms: q(0.5), P99Ms: q(0.99), MaxMs: ms(lat[len(lat)-1]),
		BodyKB: math.Round(float64(body)/1024*10) / 10}
}

// drain reads and closes a response body, returning its size.
func drain(resp *http.Response) (int, error) {
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: %s", resp.Request.Method, resp.Request.URL, resp.Status)
	}
	return int(n), err
}
