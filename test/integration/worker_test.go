//go:build integration

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// worker is one `connectd worker` process.
type worker struct {
	index int
	port  int
	bin   string
	dir   string

	process
}

func (w *worker) name() string           { return fmt.Sprintf("w%d", w.index+1) }
func (w *worker) id() string             { return fmt.Sprintf("127.0.0.1:%d", w.port) }
func (w *worker) url(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", w.port, path) }
func (w *worker) file(ext string) string { return filepath.Join(w.dir, w.name()+ext) }

// spoolDir is the worker's spool.dir; a restarted worker finds its spools there again.
func (w *worker) spoolDir() string { return w.file("-spool") }

// taskSpool is where task 0 of connector conn keeps its spool on this worker: <spool.dir>/<connector>/0.
func (w *worker) taskSpool(conn string) string { return filepath.Join(w.spoolDir(), conn, "0") }

// writeProperties writes the worker's properties: the README's fast failover settings, short offset flushes,
// so a killed worker's replacement re-reads few messages, and a spool.dir of its own.
func (w *worker) writeProperties() error {
	props := []string{
		"bootstrap.servers=" + strings.Join(kafkaBrokers, ","),
		"group.id=it-connect",
		"config.storage.topic=it-connect-configs",
		"offset.storage.topic=it-connect-offsets",
		"status.storage.topic=it-connect-status",
		"config.storage.replication.factor=3",
		"offset.storage.replication.factor=3",
		"status.storage.replication.factor=3",
		"key.converter=org.apache.kafka.connect.storage.StringConverter",
		"value.converter=org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable=false",
		fmt.Sprintf("listeners=http://127.0.0.1:%d", w.port),
		"rest.advertised.host.name=127.0.0.1",
		fmt.Sprintf("rest.advertised.port=%d", w.port),
		"session.timeout.ms=6000",
		"heartbeat.interval.ms=2000",
		"scheduled.rebalance.max.delay.ms=0",
		"offset.flush.interval.ms=1000",
		"spool.dir=" + w.spoolDir(),
	}
	return os.WriteFile(w.file(".properties"), []byte(strings.Join(props, "\n")+"\n"), 0o644)
}

// start launches the process; its output is appended to wN.log and its pid written to wN.pid.
func (w *worker) start() error {
	return w.launch(w.name(), w.file(".pid"), func() (*exec.Cmd, *os.File, error) {
		log, err := os.OpenFile(w.file(".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(log, "\n==== start %s\n", time.Now().Format(time.RFC3339Nano))
		return exec.Command(w.bin, "worker", w.file(".properties")), log, nil
	})
}

// stop sends sig and waits for the exit; SIGKILL after 30 s.
func (w *worker) stop(sig syscall.Signal) { w.halt(sig, w.file(".pid")) }
