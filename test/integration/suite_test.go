//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Loopback addresses of the components the scripts start.
var (
	kafkaBrokers = []string{"127.0.0.1:19092", "127.0.0.1:19093", "127.0.0.1:19094"}
	workerPorts  = []int{18083, 18084, 18085}

	// The Mosquitto instances (mosquitto.sh start INSTANCE). Most scenarios use the tuned one, whose queue
	// holds a whole scenario's messages, so that what they measure is connectd; the broker-default scenarios
	// use Mosquitto's own defaults and EMQX's, where the broker drops what overflows a session's queue.
	mqttURL         = "tcp://127.0.0.1:11883" // mosquitto.conf: 1,000 in flight, 200,000 queued
	mqttDefaultsURL = "tcp://127.0.0.1:11884" // mosquitto-defaults.conf: 20 in flight, 1,000 queued
	mqttEMQXURL     = "tcp://127.0.0.1:11885" // mosquitto-emqx.conf: 32 in flight, 1,000 queued
)

// restTimeout bounds every REST call: the reference answers within 90 s or times the request out.
const restTimeout = 90 * time.Second

// env is the running system under test, shared by every scenario.
type env struct {
	root    string // repository root
	dir     string // test/integration
	run     string // test/integration/.run
	bin     string // the connectd binary
	workers []*worker
	http    *http.Client
}

var (
	theEnv      *env
	cleanupOnce sync.Once
)

func TestMain(m *testing.M) {
	os.Exit(mainWithCleanup(m))
}

func mainWithCleanup(m *testing.M) int {
	e, err := newEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	theEnv = e
	// A Ctrl-C or a kill of `go test` must not leave Kafka, Mosquitto or workers behind.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "integration: %v: stopping everything\n", s)
		e.cleanup()
		os.Exit(1)
	}()
	defer e.cleanup()
	if err := e.start(); err != nil {
		fmt.Fprintln(os.Stderr, "integration: start:", err)
		return 1
	}
	code := m.Run()
	writeResults(e)
	return code
}

func newEnv() (*env, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := filepath.Abs(filepath.Join(dir, "..", ".."))
	if err != nil {
		return nil, err
	}
	e := &env{
		root: root,
		dir:  dir,
		run:  filepath.Join(dir, ".run"),
		bin:  filepath.Join(root, "bin", "connectd"),
		http: &http.Client{Timeout: restTimeout},
	}
	return e, nil
}

// start builds connectd, starts a fresh Kafka cluster and the Mosquitto instances, then the three workers.
func (e *env) start() error {
	if err := os.MkdirAll(e.run, 0o755); err != nil {
		return err
	}
	// make build, as a release is built: GET / then reports the commit, as a Java worker does.
	build := exec.Command("make", "build", "BIN="+e.bin)
	build.Dir = e.root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("make build: %w\n%s", err, out)
	}
	// Fresh state every run: the scenarios count every record of their topics from the beginning.
	for _, c := range [][]string{
		{"kafka.sh", "clean"}, {"mosquitto.sh", "clean", "all"}, {"kafka.sh", "start"},
		{"mosquitto.sh", "start", "tuned"}, {"mosquitto.sh", "start", "defaults"}, {"mosquitto.sh", "start", "emqx"},
	} {
		if err := e.script(c...); err != nil {
			return err
		}
	}
	wdir := filepath.Join(e.run, "workers")
	unmountUnder(wdir) // spool volumes left by a run that died
	if err := os.RemoveAll(wdir); err != nil {
		return err
	}
	if err := os.MkdirAll(wdir, 0o755); err != nil {
		return err
	}
	for i, port := range workerPorts {
		w := &worker{index: i, port: port, bin: e.bin, dir: wdir}
		if err := w.writeProperties(); err != nil {
			return err
		}
		e.workers = append(e.workers, w)
	}
	for _, w := range e.workers {
		if err := w.start(); err != nil {
			return err
		}
	}
	return e.waitWorkers(2 * time.Minute)
}

// script runs test/integration/NAME ARGS..., its output going to the suite's stderr.
func (e *env) script(args ...string) error {
	cmd := exec.Command("bash", append([]string{filepath.Join(e.dir, args[0])}, args[1:]...)...)
	cmd.Dir = e.dir
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return nil
}

func (e *env) cleanup() {
	cleanupOnce.Do(func() {
		var wg sync.WaitGroup
		for _, w := range e.workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.stop(syscall.SIGTERM)
			}()
		}
		wg.Wait()
		if err := e.script("mosquitto.sh", "stop", "all"); err != nil {
			fmt.Fprintln(os.Stderr, "integration:", err)
		}
		if err := e.script("kafka.sh", "stop"); err != nil {
			fmt.Fprintln(os.Stderr, "integration:", err)
		}
	})
}

// waitWorkers waits until every running worker answers GET /connectors.
func (e *env) waitWorkers(timeout time.Duration) error {
	return poll(context.Background(), timeout, func() (bool, error) {
		for _, w := range e.workers {
			if !w.running() {
				continue
			}
			code, _, err := e.do(http.MethodGet, w.url("/connectors"), nil)
			if err != nil || code != http.StatusOK {
				return false, nil
			}
		}
		return true, nil
	})
}

// live returns a running worker other than skip (-1 for none).
func (e *env) live(skip int) *worker {
	for _, w := range e.workers {
		if w.index != skip && w.running() {
			return w
		}
	}
	return nil
}

// workerByID maps a status worker_id (127.0.0.1:PORT) to its worker.
// task0Worker is the worker running task 0 of conn, the victim of the kill scenarios.
func (e *env) task0Worker(t *testing.T, conn string) *worker {
	t.Helper()
	st, err := e.status(conn)
	if err != nil || len(st.Tasks) == 0 {
		t.Fatalf("status before the kill: %+v %v", st, err)
	}
	victim := e.workerByID(st.Tasks[0].WorkerID)
	if victim == nil {
		t.Fatalf("task on unknown worker %s", st.Tasks[0].WorkerID)
	}
	return victim
}

func (e *env) workerByID(id string) *worker {
	_, p, _ := strings.Cut(id, ":")
	port, _ := strconv.Atoi(p)
	for _, w := range e.workers {
		if w.port == port {
			return w
		}
	}
	return nil
}

// do sends one REST request and returns the status and body.
func (e *env) do(method, url string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// mustREST sends a request to any live worker, retrying while the cluster rebalances (409) or a worker is
// unreachable, until one of want is returned.
func (e *env) mustREST(t testing.TB, method, path string, body any, want ...int) []byte {
	t.Helper()
	var last string
	var out []byte
	err := poll(context.Background(), 2*time.Minute, func() (bool, error) {
		w := e.live(-1)
		if w == nil {
			return false, errors.New("no live worker")
		}
		code, b, err := e.do(method, w.url(path), body)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		for _, c := range want {
			if code == c {
				out = b
				return true, nil
			}
		}
		last = fmt.Sprintf("%d %s", code, b)
		if code == http.StatusConflict || code >= 500 {
			return false, nil
		}
		return false, fmt.Errorf("%s %s: %s", method, path, last)
	})
	if err != nil {
		t.Fatalf("%s %s: %v (last: %s)", method, path, err, last)
	}
	return out
}

// connectorStatus is the body of GET /connectors/{name}/status.
type connectorStatus struct {
	Name      string `json:"name"`
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	} `json:"connector"`
	Tasks []struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"tasks"`
}

// status reads a connector's status from a live worker.
func (e *env) status(name string) (connectorStatus, error) {
	var st connectorStatus
	w := e.live(-1)
	if w == nil {
		return st, errors.New("no live worker")
	}
	code, b, err := e.do(http.MethodGet, w.url("/connectors/"+name+"/status"), nil)
	if err != nil {
		return st, err
	}
	if code != http.StatusOK {
		return st, fmt.Errorf("status %s: %d %s", name, code, b)
	}
	err = json.Unmarshal(b, &st)
	return st, err
}

// waitStatus polls a connector's status until ok accepts it.
func (e *env) waitStatus(t testing.TB, name string, timeout time.Duration, what string, ok func(connectorStatus) bool) connectorStatus {
	t.Helper()
	var st connectorStatus
	var lastErr error
	err := poll(context.Background(), timeout, func() (bool, error) {
		s, err := e.status(name)
		if err != nil {
			lastErr = err
			return false, nil
		}
		st = s
		return ok(s), nil
	})
	if err != nil {
		t.Fatalf("connector %s: %s not reached in %v: last status %+v, last error %v", name, what, timeout, st, lastErr)
	}
	return st
}

// running accepts a connector RUNNING with n tasks all RUNNING.
func running(n int) func(connectorStatus) bool {
	return func(s connectorStatus) bool {
		if s.Connector.State != "RUNNING" || len(s.Tasks) != n {
			return false
		}
		for _, tk := range s.Tasks {
			if tk.State != "RUNNING" {
				return false
			}
		}
		return true
	}
}

// poll calls cond every 200 ms until it reports done, returns an error, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		done, err := cond()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out after %v", timeout)
		case <-tick.C:
		}
	}
}
