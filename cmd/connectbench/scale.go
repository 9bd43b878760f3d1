package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/connectd/connectd/herder"
)

// Scale phase: many connectors on three workers, each size in a group of its own.
//
// Half the connectors are FileStreamSource connectors, each reading a file of its own, and half are MQTT
// source connectors as the user posts them (testdata/mqtt-connector.json), each with a topic filter of its
// own on the run's broker. FileStreamSource, as in Kafka Connect, runs one task whatever tasks.max says, so
// the MQTT connectors get scaleMQTTTasks tasks each: N connectors then run 3N tasks, the issue's "1,000
// connectors with 3,000 tasks".

const (
	scaleFileTasks = 1 // FileStreamSourceConnector.taskConfigs returns one task
	scaleMQTTTasks = 5 // half × 1 + half × 5: three tasks per connector on average
	// scaleFileLines is what each FileStream connector's file holds: a few records each, so every task
	// produces to Kafka once.
	scaleFileLines = 3
	// scaleWait bounds each wait of the phase (all RUNNING, failover, rejoin).
	scaleWait = 10 * time.Minute
	// scaleSettle is the wait after all tasks are RUNNING before reading memory and goroutines: the
	// FileStream tasks' first records and a GC cycle.
	scaleSettle = 5 * time.Second
)

// scaleKafkaConns is what a task's producer holds open to the in-process Kafka, rounded up: a bootstrap
// connection and one per partition leader (2.3 measured per idle task at 1,000 connectors).
const scaleKafkaConns = 3

// checkOpenFiles fails when the harness may not open need files: it holds the in-process broker's and
// Kafka's end of every worker connection, and running out of them would show as tasks that never start.
// (Go raises the soft limit to the hard one at startup.)
func checkOpenFiles(need int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("open files limit: %w", err)
	}
	if lim.Cur < uint64(need) {
		return fmt.Errorf("needs about %d open files in the harness, the limit is %d: raise ulimit -n or lower %s", need, lim.Cur, mqttConnectionsKey)
	}
	return nil
}

// Scale is the scale phase at one size.
type Scale struct {
	Connectors     int `json:"connectors"`
	FileConnectors int `json:"filestream_connectors"`
	MQTTConnectors int `json:"mqtt_connectors"`
	Tasks          int `json:"tasks"`
	// MQTTConnectionsPerTask is the connector's mqtt.connections.per.task (the product's default when the
	// connector file leaves it out).
	MQTTConnectionsPerTask string `json:"mqtt_connections_per_task"`
	// CreateS is the first POST → the last POST's answer (16 in flight); RunningS the last POST's answer →
	// every connector and task RUNNING in GET /connectors?expand=status.
	// TotalS is the first POST → every connector and task RUNNING: tasks start while later POSTs are still
	// being answered, so how TotalS splits into CreateS and RunningS depends on how fast each side is.
	CreateS  float64 `json:"create_s"`
	RunningS float64 `json:"running_s"`
	TotalS   float64 `json:"total_s"`
	// Idle are the workers before the first connector; Loaded with every task RUNNING; Survivors the two
	// survivors with every task RUNNING again after the kill.
	Idle      []ScaleWorker `json:"idle"`
	Loaded    []ScaleWorker `json:"loaded"`
	Survivors []ScaleWorker `json:"survivors,omitempty"`
	// RSSPer100TasksMB is (loaded RSS − idle RSS) ÷ (tasks ÷ 100), summed over the workers.
	RSSPer100TasksMB float64    `json:"rss_per_100_tasks_mb"`
	List             ListTiming `json:"list"`
	// FailoverS is kill -9 of a worker → every task RUNNING on the survivors; Killed the worker's name and
	// the tasks it ran. RejoinS is the killed worker's restart → every task RUNNING and spread over three.
	Killed     string   `json:"killed,omitempty"`
	KilledRan  int      `json:"killed_ran_tasks,omitempty"`
	FailoverS  float64  `json:"failover_s,omitempty"`
	RejoinS    float64  `json:"rejoin_s,omitempty"`
	Profiles   []string `json:"profiles,omitempty"`
	Err        string   `json:"error,omitempty"`
	workerTask map[string]int
}

// ScaleWorker is one worker's footprint at a point of the scale phase.
type ScaleWorker struct {
	Name       string  `json:"name"`
	Tasks      int     `json:"tasks"`
	RSSMB      float64 `json:"rss_mb"`
	PeakRSSMB  float64 `json:"peak_rss_mb"` // VmHWM since the process started
	Goroutines int     `json:"goroutines"`
	FDs        int     `json:"open_fds"`
	CPUS       float64 `json:"cpu_s"` // CPU time since the process started
}

// measureScales runs the scale phase at each --scale size, smallest first (parseFlags sorts them).
func (b *bench) measureScales(ctx context.Context) error {
	var errs []error
	for _, n := range b.o.scale {
		if ctx.Err() != nil {
			break
		}
		s, err := b.measureScale(ctx, n)
		if err != nil {
			s.Err = err.Error()
			errs = append(errs, fmt.Errorf("%d connectors: %w", n, err))
		}
		b.rep.Scale = append(b.rep.Scale, s)
	}
	return errors.Join(errs...)
}

// measureScale starts three workers in a group of their own, creates n connectors, and measures them.
func (b *bench) measureScale(ctx context.Context, n int) (*Scale, error) {
	b.seq++
	name := fmt.Sprintf("r%d-scale%d", b.seq, n)
	log := b.log.With("phase", name)
	s := &Scale{Connectors: n, MQTTConnectors: n / 2, FileConnectors: n - n/2}
	s.Tasks = s.FileConnectors*scaleFileTasks + s.MQTTConnectors*scaleMQTTTasks
	conns := connectionsPerTask(b.connCfg, scaleMQTTTasks)
	s.MQTTConnectionsPerTask = strconv.Itoa(conns) + " (default)"
	if v, ok := b.connCfg[mqttConnectionsKey]; ok && v != nil {
		s.MQTTConnectionsPerTask = fmt.Sprint(v)
	}
	if err := checkOpenFiles(s.MQTTConnectors*scaleMQTTTasks*conns + s.Tasks*scaleKafkaConns + 500); err != nil {
		return s, err
	}

	workers, err := b.startScaleWorkers(ctx, name)
	defer func() {
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Go(func() { w.stop(time.Minute) })
		}
		wg.Wait()
	}()
	if err != nil {
		return s, err
	}
	for _, w := range workers {
		sw, err := b.scaleWorker(ctx, w, 0)
		if err != nil {
			return s, err
		}
		s.Idle = append(s.Idle, sw)
	}
	topic := "bench-" + name
	if err := b.kafka.createTopic(topic, dataPartitions); err != nil {
		return s, err
	}
	defer func() { _ = b.kafka.deleteTopic(topic) }()
	files := filepath.Join(b.dir, name)
	if err := os.MkdirAll(files, 0o755); err != nil {
		return s, err
	}

	// Create: 16 POSTs in flight against the first worker (forwarded to the leader when it is not).
	base := workers[0].url()
	log.Info("creating connectors", "connectors", n, "tasks", s.Tasks)
	var cpuProfile *backgroundFetch // with --profile
	if b.o.profile != "" {
		// What starting the tasks costs: the first worker's CPU over the creates and the tasks' start.
		if err := os.MkdirAll(b.o.profile, 0o755); err != nil {
			return s, err
		}
		cpuProfile = startFetch(ctx, "http://"+workers[0].pprof+"/debug/pprof/profile?seconds=10",
			filepath.Join(b.o.profile, name+"-start-cpu.pprof"))
		// On the error paths before the wait below: the fetch ends with the phase, before its workers stop.
		defer cpuProfile.stop()
	}
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(listConcurrency)
	for i := range n {
		g.Go(func() error {
			cname := fmt.Sprintf("%s-%d", name, i)
			cfg, err := b.scaleConnectorConfig(files, cname, topic, i)
			if err != nil {
				return err
			}
			_, err = b.rc.do(gctx, http.MethodPost, base+"/connectors", map[string]any{"name": cname, "config": cfg}, nil)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return s, fmt.Errorf("create connectors: %w", err)
	}
	created := time.Now()
	s.CreateS = seconds(created.Sub(start))
	log.Info("connectors created", "seconds", s.CreateS)

	listURL := base + "/connectors?expand=status"
	if _, err := b.waitAllRunning(ctx, listURL, name+"-", s, nil, 3); err != nil {
		return s, err
	}
	s.RunningS = seconds(time.Since(created))
	s.TotalS = seconds(time.Since(start))
	log.Info("all running", "seconds", s.RunningS, "since_first_create_s", s.TotalS)
	if cpuProfile != nil {
		if err := cpuProfile.wait(); err != nil {
			return s, fmt.Errorf("CPU profile: %w", err)
		}
		s.Profiles = append(s.Profiles, cpuProfile.file)
	}

	if !sleepUntil(ctx, time.Now().Add(scaleSettle)) {
		return s, ctx.Err()
	}
	var idleRSS, loadedRSS float64
	for i, w := range workers {
		sw, err := b.scaleWorker(ctx, w, s.workerTask[w.id()])
		if err != nil {
			return s, err
		}
		s.Loaded = append(s.Loaded, sw)
		idleRSS += s.Idle[i].RSSMB
		loadedRSS += sw.RSSMB
	}
	if s.Tasks > 0 {
		s.RSSPer100TasksMB = math.Round((loadedRSS-idleRSS)/(float64(s.Tasks)/100)*100) / 100
	}
	log.Info("loaded", "workers", s.Loaded, "rss_per_100_tasks_mb", s.RSSPer100TasksMB)
	if b.o.profile != "" {
		files, err := b.scaleProfiles(ctx, workers[0], name)
		s.Profiles = append(s.Profiles, files...)
		if err != nil {
			return s, err
		}
	}

	if s.List, err = timeList(ctx, b.rc.hc, listURL, b.o.listRequests); err != nil {
		return s, err
	}
	log.Info("list", "p50_ms", s.List.P50Ms, "p99_ms", s.List.P99Ms, "body_kb", s.List.BodyKB)

	// Kill the last worker (the requests go to the first), as measureFailover does: time until every task
	// is RUNNING on the two survivors.
	victim := workers[len(workers)-1]
	s.Killed, s.KilledRan = victim.name, s.workerTask[victim.id()]
	killedAt := time.Now()
	victim.kill()
	if _, err := b.waitAllRunning(ctx, listURL, name+"-", s, victim, 2); err != nil {
		return s, fmt.Errorf("after killing %s: %w", victim.name, err)
	}
	s.FailoverS = seconds(time.Since(killedAt))
	log.Info("failover", "killed", victim.name, "ran_tasks", s.KilledRan, "seconds", s.FailoverS)
	if !sleepUntil(ctx, time.Now().Add(scaleSettle)) {
		return s, ctx.Err()
	}
	for _, w := range workers[:len(workers)-1] {
		sw, err := b.scaleWorker(ctx, w, s.workerTask[w.id()])
		if err != nil {
			return s, err
		}
		s.Survivors = append(s.Survivors, sw)
	}

	// Restart it: time until the group has spread the tasks over three workers again.
	restartAt := time.Now()
	if err := victim.start(); err != nil {
		return s, err
	}
	if _, err := b.waitAllRunning(ctx, listURL, name+"-", s, nil, 3); err != nil {
		return s, fmt.Errorf("after restarting %s: %w", victim.name, err)
	}
	s.RejoinS = seconds(time.Since(restartAt))
	log.Info("rejoined", "worker", victim.name, "seconds", s.RejoinS)
	return s, nil
}

// startScaleWorkers starts three workers in a group of the phase's own, with pprof listeners (goroutine
// counts and profiles), and waits until they are healthy. It returns what it started, also on failure.
func (b *bench) startScaleWorkers(ctx context.Context, name string) ([]*workerProc, error) {
	var ws []*workerProc
	for i := range 3 {
		w, err := b.newWorker(fmt.Sprintf("%s-w%d", name, i+1), b.group+"-"+name)
		if err != nil {
			return ws, err
		}
		port, err := freePort()
		if err != nil {
			return ws, err
		}
		w.pprof = fmt.Sprintf("127.0.0.1:%d", port)
		if err := w.start(); err != nil {
			return ws, err
		}
		ws = append(ws, w)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, w := range ws {
		if _, err := w.waitHealthy(wctx, b.rc); err != nil {
			return ws, err
		}
	}
	return ws, sleepErr(ctx, b.o.idleSettle)
}

func sleepErr(ctx context.Context, d time.Duration) error {
	if !sleepUntil(ctx, time.Now().Add(d)) {
		return ctx.Err()
	}
	return nil
}

// scaleConnectorConfig is connector i's config: even ones FileStreamSource on a file of their own, odd ones
// the user's MQTT source on a topic filter of their own.
func (b *bench) scaleConnectorConfig(dir, name, topic string, i int) (map[string]any, error) {
	if i%2 == 1 {
		c := b.connectorConfig(name, "/mqtt/test/bench/"+name+"/#", topic, 1, scaleMQTTTasks)
		return c, nil
	}
	file := filepath.Join(dir, name+".txt")
	var lines strings.Builder
	for j := range scaleFileLines {
		fmt.Fprintf(&lines, "%s line %d\n", name, j)
	}
	if err := os.WriteFile(file, []byte(lines.String()), 0o644); err != nil {
		return nil, err
	}
	return map[string]any{
		"connector.class": "FileStreamSource",
		"tasks.max":       "3",
		"file":            file,
		"topic":           topic,
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}, nil
}

// waitAllRunning polls GET /connectors?expand=status until every connector named with prefix and all s.Tasks
// tasks are RUNNING, on exactly workers workers none of which is gone, and records the tasks per worker in
// s.workerTask. A FAILED task ends the wait.
func (b *bench) waitAllRunning(ctx context.Context, listURL, prefix string, s *Scale, gone *workerProc, workers int) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, scaleWait)
	defer cancel()
	var last string
	for {
		var all map[string]herder.ConnectorExpansion
		_, err := b.rc.do(ctx, http.MethodGet, listURL, nil, &all)
		if err == nil {
			per, running, failed := scaleCount(all, prefix, gone)
			if failed != "" {
				return time.Time{}, errors.New(failed)
			}
			if running == s.Tasks+s.Connectors && len(per) == workers {
				s.workerTask = per
				return time.Now(), nil
			}
			last = fmt.Sprintf("%d of %d connectors and tasks RUNNING, tasks per worker %v", running, s.Tasks+s.Connectors, per)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("not all RUNNING within %s: %s", scaleWait, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// scaleCount counts the RUNNING connectors and tasks named with prefix (not on gone), and the tasks per
// worker; failed describes a FAILED task, if any.
func scaleCount(all map[string]herder.ConnectorExpansion, prefix string, gone *workerProc) (per map[string]int, running int, failed string) {
	per = map[string]int{}
	on := func(id string) bool { return gone == nil || id != gone.id() }
	for name, e := range all {
		if !strings.HasPrefix(name, prefix) || e.Status == nil {
			continue
		}
		if e.Status.Connector.State == "RUNNING" && on(e.Status.Connector.WorkerID) {
			running++
		}
		for _, t := range e.Status.Tasks {
			switch {
			case t.State == "FAILED":
				return per, running, fmt.Sprintf("connector %s task %d FAILED: %s", name, t.ID, firstLine(t.Trace))
			case t.State == "RUNNING" && on(t.WorkerID):
				running++
				per[t.WorkerID]++
			}
		}
	}
	return per, running, ""
}

// scaleWorker reads a worker's memory, CPU and open files from /proc and its goroutines from pprof.
func (b *bench) scaleWorker(ctx context.Context, w *workerProc, tasks int) (ScaleWorker, error) {
	p, err := readProc(w.pid())
	if err != nil {
		return ScaleWorker{}, err
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", w.pid()))
	if err != nil {
		return ScaleWorker{}, err
	}
	g, err := goroutines(ctx, w.pprof)
	if err != nil {
		return ScaleWorker{}, err
	}
	return ScaleWorker{Name: w.name, Tasks: tasks, RSSMB: mb(p.RSS), PeakRSSMB: mb(p.HWM), Goroutines: g, FDs: len(fds),
		CPUS: math.Round(p.CPU.Seconds()*10) / 10}, nil
}

// goroutines reads the goroutine count off the first line of pprof's text goroutine profile,
// "goroutine profile: total N".
func goroutines(ctx context.Context, addr string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/debug/pprof/goroutine?debug=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("goroutine profile: unexpected first line %q", line)
	}
	return strconv.Atoi(rest)
}

// scaleProfiles saves the worker's heap and goroutine profiles into --profile.
func (b *bench) scaleProfiles(ctx context.Context, w *workerProc, name string) ([]string, error) {
	if err := os.MkdirAll(b.o.profile, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, p := range []struct{ file, path string }{
		{name + "-heap.pprof", "/debug/pprof/heap"},
		{name + "-goroutine.pprof", "/debug/pprof/goroutine"},
	} {
		file := filepath.Join(b.o.profile, p.file)
		if err := fetchTo(ctx, "http://"+w.pprof+p.path, file); err != nil {
			return files, err
		}
		files = append(files, file)
	}
	return files, nil
}

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*100) / 100 }

// Goals of the scale phase, from the issue.
const (
	goalScaleFailoverS = 10
	goalScaleListP99Ms = 50
)

// scaleGoals adds the scale phase's goals, for its largest size, to r.Goals.
func (r *Report) scaleGoals() {
	if len(r.Scale) == 0 {
		return
	}
	s := slices.MaxFunc(r.Scale, func(a, b *Scale) int { return a.Connectors - b.Connectors })
	yes := func(b bool) *bool { return &b }
	what := fmt.Sprintf("%s connectors, %s tasks, 3 workers", count(float64(s.Connectors)), count(float64(s.Tasks)))
	g := Goal{Name: "full rebalance after kill -9 of one worker, " + what, Target: fmt.Sprintf("≤ %d s", goalScaleFailoverS), Measured: "not measured"}
	if s.FailoverS > 0 {
		g.Measured, g.Met = fmt.Sprintf("%.1f s (%d tasks moved)", s.FailoverS, s.KilledRan), yes(s.FailoverS <= goalScaleFailoverS)
	}
	r.Goals = append(r.Goals, g)
	g = Goal{Name: "GET /connectors?expand=status p99, " + what, Target: fmt.Sprintf("≤ %d ms", goalScaleListP99Ms), Measured: "not measured"}
	if s.List.Requests > 0 {
		g.Measured, g.Met = fmt.Sprintf("%.1f ms (p50 %.1f ms, %.0f KB)", s.List.P99Ms, s.List.P50Ms, s.List.BodyKB), yes(s.List.P99Ms <= goalScaleListP99Ms)
	}
	r.Goals = append(r.Goals, g)
}

// scaleMarkdown renders the scale phase's table.
func (r *Report) scaleMarkdown() string {
	if len(r.Scale) == 0 {
		return ""
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("\n## Scale\n\n")
	p("Three workers in a group of their own per size; half the connectors FileStreamSource (one task each, a file of "+
		"%d lines each), half the user's MQTT source (%d tasks each, a topic filter each, mqtt.connections.per.task %s), "+
		"no MQTT load. Running: the last POST's answer → every connector and task RUNNING in GET /connectors?expand=status. "+
		"Memory and goroutines %s after that; RSS/100 tasks = (RSS loaded − RSS idle, summed over the workers) ÷ (tasks ÷ 100). "+
		"Failover: kill -9 of a worker → every task RUNNING on the two survivors; rejoin: its restart → spread over three again.\n\n",
		scaleFileLines, scaleMQTTTasks, r.Scale[0].MQTTConnectionsPerTask, scaleSettle)
	p("| connectors | tasks | create s | running s | first create → running s | RSS idle MB | RSS loaded MB | peak RSS MB | RSS/100 tasks MB | goroutines | open fds | list p50 / p99 ms | list KB | failover s (tasks moved) | survivors' RSS MB, goroutines | rejoin s |\n")
	p("|---:|---:|---:|---:|---:|---|---|---|---:|---|---|---|---:|---|---|---:|\n")
	col := func(ws []ScaleWorker, f func(ScaleWorker) string) string {
		var out []string
		for _, w := range ws {
			out = append(out, f(w))
		}
		return strings.Join(out, " / ")
	}
	for _, s := range r.Scale {
		rss := func(w ScaleWorker) string { return fmt.Sprintf("%.0f", w.RSSMB) }
		surv := col(s.Survivors, func(w ScaleWorker) string { return fmt.Sprintf("%.0f, %d", w.RSSMB, w.Goroutines) })
		p("| %s | %s | %.1f | %.1f | %.1f | %s | %s | %s | %.2f | %s | %s | %.1f / %.1f | %.0f | %.1f (%d) | %s | %.1f |\n",
			count(float64(s.Connectors)), count(float64(s.Tasks)), s.CreateS, s.RunningS, s.TotalS, col(s.Idle, rss), col(s.Loaded, rss),
			col(s.Loaded, func(w ScaleWorker) string { return fmt.Sprintf("%.0f", w.PeakRSSMB) }), s.RSSPer100TasksMB,
			col(s.Loaded, func(w ScaleWorker) string { return strconv.Itoa(w.Goroutines) }),
			col(s.Loaded, func(w ScaleWorker) string { return strconv.Itoa(w.FDs) }),
			s.List.P50Ms, s.List.P99Ms, s.List.BodyKB, s.FailoverS, s.KilledRan, surv, s.RejoinS)
		if s.Err != "" {
			p("\nError at %d connectors: %s\n", s.Connectors, s.Err)
		}
	}
	return b.String()
}
