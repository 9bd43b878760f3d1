package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/connectd/connectd/herder"
)

// workerProps is a worker's configuration: the user's converters and the README's fast-failover settings
// (as the integration suite's workers), in a group of the bench's own.
func workerProps(brokers []string, group string, replication int16, port int) map[string]string {
	rf := strconv.Itoa(int(replication))
	return map[string]string{
		"bootstrap.servers":                 strings.Join(brokers, ","),
		"group.id":                          group,
		"config.storage.topic":              group + "-configs",
		"offset.storage.topic":              group + "-offsets",
		"status.storage.topic":              group + "-status",
		"config.storage.replication.factor": rf,
		"offset.storage.replication.factor": rf,
		"status.storage.replication.factor": rf,
		"key.converter":                     "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":    "false",
		"listeners":                         fmt.Sprintf("http://127.0.0.1:%d", port),
		"rest.advertised.host.name":         "127.0.0.1",
		"rest.advertised.port":              strconv.Itoa(port),
		"session.timeout.ms":                "6000",
		"heartbeat.interval.ms":             "2000",
		"scheduled.rebalance.max.delay.ms":  "0",
	}
}

// writeProperties writes props as a .properties file, keys sorted.
func writeProperties(file string, props map[string]string) error {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(props)) {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	return os.WriteFile(file, []byte(b.String()), 0o644)
}

// workerProc is one `connectd worker` process.
type workerProc struct {
	name  string
	bin   string
	dir   string
	port  int
	props map[string]string
	pprof string // address of its pprof listener, "" for none

	cmd     *exec.Cmd
	started time.Time
	done    chan struct{}
}

func (w *workerProc) url() string { return fmt.Sprintf("http://127.0.0.1:%d", w.port) }

// id is the worker id the worker reports in statuses (its advertised host:port).
func (w *workerProc) id() string { return fmt.Sprintf("127.0.0.1:%d", w.port) }

func (w *workerProc) pid() int { return w.cmd.Process.Pid }

// start writes the properties file and starts the process; its output is appended to <name>.log.
func (w *workerProc) start() error {
	file := filepath.Join(w.dir, w.name+".properties")
	if err := writeProperties(file, w.props); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(w.dir, w.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "\n==== start %s\n", time.Now().Format(time.RFC3339Nano))
	args := []string{"worker"}
	if w.pprof != "" {
		args = append(args, "--pprof", w.pprof)
	}
	w.cmd = exec.Command(w.bin, append(args, file)...)
	w.cmd.Stdout, w.cmd.Stderr = logf, logf
	// Its own process group, so a terminal's Ctrl-C reaches only the harness, which stops workers in order;
	// killed with the harness should the harness die.
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	w.started = time.Now()
	if err := w.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", w.name, err)
	}
	w.done = make(chan struct{})
	go func() {
		_ = w.cmd.Wait()
		logf.Close()
		close(w.done)
	}()
	return nil
}

func (w *workerProc) running() bool {
	if w.done == nil {
		return false
	}
	select {
	case <-w.done:
		return false
	default:
		return true
	}
}

// stop asks the worker to leave its group and exit, and kills it after timeout.
func (w *workerProc) stop(timeout time.Duration) {
	if !w.running() {
		return
	}
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(timeout):
		w.kill()
	}
}

// kill is kill -9.
func (w *workerProc) kill() {
	if !w.running() {
		return
	}
	_ = w.cmd.Process.Kill()
	<-w.done
}

// waitREST polls GET / until it answers 200 and returns when it did.
func (w *workerProc) waitREST(ctx context.Context, rc *restClient) (time.Time, error) {
	for {
		if code, err := rc.do(ctx, http.MethodGet, w.url()+"/", nil, nil); err == nil && code == http.StatusOK {
			return time.Now(), nil
		}
		if !w.running() {
			return time.Time{}, fmt.Errorf("%s exited before its REST API answered; see %s.log", w.name, filepath.Join(w.dir, w.name))
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%s: REST API not answering: %w", w.name, ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
}

// waitHealthy polls GET /health until the worker reports it finished startup (joined its group and read the
// config topic).
func (w *workerProc) waitHealthy(ctx context.Context, rc *restClient) (time.Time, error) {
	for {
		if code, err := rc.do(ctx, http.MethodGet, w.url()+"/health", nil, nil); err == nil && code == http.StatusOK {
			return time.Now(), nil
		}
		if !w.running() {
			return time.Time{}, fmt.Errorf("%s exited; see %s.log", w.name, filepath.Join(w.dir, w.name))
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%s: not healthy: %w", w.name, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// restClient talks to the workers' REST APIs.
type restClient struct {
	hc *http.Client
}

func newRESTClient() *restClient {
	return &restClient{hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// do sends a JSON request and decodes a 2xx answer into out (when not nil); the body of other answers becomes
// the error.
func (c *restClient) do(ctx context.Context, method, url string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode: %w", method, url, err)
		}
	}
	return resp.StatusCode, nil
}

// connectorStatus is GET /connectors/{name}/status.
func (c *restClient) connectorStatus(ctx context.Context, base, name string) (herder.ConnectorStateInfo, error) {
	var st herder.ConnectorStateInfo
	_, err := c.do(ctx, http.MethodGet, base+"/connectors/"+name+"/status", nil, &st)
	return st, err
}

// tasksRunning reports whether the connector and want tasks are RUNNING.
func tasksRunning(st herder.ConnectorStateInfo, want int) bool {
	if st.Connector.State != "RUNNING" || len(st.Tasks) != want {
		return false
	}
	for _, t := range st.Tasks {
		if t.State != "RUNNING" {
			return false
		}
	}
	return true
}

// waitRunning polls the connector's status until it and want tasks are RUNNING; a FAILED task ends the wait.
func (c *restClient) waitRunning(ctx context.Context, base, name string, want int) (herder.ConnectorStateInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		st, err := c.connectorStatus(ctx, base, name)
		if err == nil {
			if tasksRunning(st, want) {
				return st, nil
			}
			for _, t := range st.Tasks {
				if t.State == "FAILED" {
					return st, fmt.Errorf("connector %s task %d failed: %s", name, t.ID, firstLine(t.Trace))
				}
			}
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("connector %s: %d tasks not RUNNING within 60s (last status %+v, %v)", name, want, st, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// deleteConnector deletes a connector and waits until the worker no longer knows it.
func (c *restClient) deleteConnector(ctx context.Context, base, name string) error {
	if _, err := c.do(ctx, http.MethodDelete, base+"/connectors/"+name, nil, nil); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		code, _ := c.do(ctx, http.MethodGet, base+"/connectors/"+name, nil, nil)
		if code == http.StatusNotFound {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("connector " + name + " still exists 30s after DELETE")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
