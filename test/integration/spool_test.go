//go:build integration

package integration

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The spool scenarios run the MQTT source with its local spool (mqtt.spool.enabled) on Mosquitto's default
// configuration, whose queue of 1,000 messages per session cannot hold a Kafka outage: with the spool, a
// message is acknowledged to the broker once it is on the worker's disk, and shipped to Kafka from there.

// spoolOn turns the connector's spool on, its size left at the default (1 GiB).
func spoolOn(cfg map[string]any) { cfg["mqtt.spool.enabled"] = "true" }

// dirBytes is the size of the files under dir (0 when it does not exist).
func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		// A file removed while walking (a shipped segment) holds nothing.
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// taskSpool returns the worker whose spool of conn's task 0 holds the most bytes on disk, and the bytes.
func (e *env) taskSpool(conn string) (*worker, int64) {
	var best *worker
	var most int64
	for _, w := range e.workers {
		if n := dirBytes(w.taskSpool(conn)); best == nil || n > most {
			best, most = w, n
		}
	}
	return best, most
}

// mb formats bytes in MB.
func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// spoolAtEnd is kafkaOutage's look at the spool when the brokers are about to start: the outage's messages
// must be in it, since Mosquitto's queue holds 1,000 per session.
func spoolAtEnd(t *testing.T, e *env, f *flow) string {
	w, n := e.taskSpool(f.conn)
	if n == 0 {
		t.Errorf("the spool of %s task 0 is empty after the outage: is mqtt.spool.enabled honoured, with spool.dir %s?",
			f.conn, w.spoolDir())
	}
	return fmt.Sprintf("spool on %s %s on disk at the end of the outage", w.name(), mb(n))
}

// onlyFirstWorker stops every worker but the first, so that a task killed with it can only come back to it;
// restore starts them again.
func onlyFirstWorker(t *testing.T, e *env) func() {
	for _, w := range e.workers[1:] {
		w.stop(syscall.SIGTERM)
	}
	if err := e.waitWorkers(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	return func() {
		for _, w := range e.workers[1:] {
			if err := w.start(); err != nil {
				t.Error(err)
			}
		}
		if err := e.waitWorkers(2 * time.Minute); err != nil {
			t.Error(err)
		}
	}
}

// killWorkerFullSpool stops Kafka, lets the publisher finish while the task spools everything, kills -9 the
// worker once its spool has stopped growing (the broker's queue drained into it), starts Kafka and then the
// same worker with the same spool.dir: the task must start there again and ship what the spool holds.
func killWorkerFullSpool(t *testing.T, e *env, f *flow) outcome {
	if err := e.script("kafka.sh", "stop"); err != nil {
		t.Fatal(err)
	}
	total := int64(len(f.tr.count))
	if err := poll(f.ctx, 5*time.Minute, func() (bool, error) { return f.tr.acked.Load() >= total, nil }); err != nil {
		t.Fatalf("publishing did not finish while Kafka was down: %d of %d acknowledged: %v", f.tr.acked.Load(), total, err)
	}
	// The spool stops growing once the task has taken everything the broker queued.
	var victim *worker
	var held int64
	still := 0
	if err := poll(f.ctx, 2*time.Minute, func() (bool, error) {
		w, n := e.taskSpool(f.conn)
		if n == held && n > 0 {
			still++
		} else {
			still = 0
		}
		victim, held = w, n
		return still >= 15, nil
	}); err != nil {
		t.Fatalf("the spool of %s task 0 did not settle (%s on %s): %v", f.conn, mb(held), victim.name(), err)
	}
	victim.stop(syscall.SIGKILL)
	if err := e.script("kafka.sh", "start"); err != nil {
		t.Fatal(err)
	}
	// The status topic still says RUNNING from before the kill; only a record written after it shows the
	// restarted worker runs the task again. Its end offsets can be read once the restarted brokers have
	// elected leaders.
	var ends map[int32]int64
	var endsErr error
	if err := poll(f.ctx, time.Minute, func() (bool, error) {
		ends, endsErr = endOffsets(statusTopic)
		return endsErr == nil, nil
	}); err != nil {
		t.Fatalf("end offsets of %s after Kafka's start: %v (%v)", statusTopic, err, endsErr)
	}
	restarted := time.Now()
	if err := victim.start(); err != nil {
		t.Fatal(err)
	}
	if err := e.waitWorkers(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := waitStatusRecord(f.ctx, ends, "status-task-"+f.conn+"-0", "RUNNING", 2*time.Minute); err != nil {
		t.Fatalf("no new RUNNING status for %s task 0 after the restart: %v", f.conn, err)
	}
	st := e.waitStatus(t, f.conn, time.Minute, "RUNNING", running(1))
	if st.Tasks[0].WorkerID != victim.id() {
		t.Errorf("task 0 runs on %s, not on the restarted %s", st.Tasks[0].WorkerID, victim.id())
	}
	return outcome{notes: fmt.Sprintf("Kafka stopped, %d published; spool on %s %s on disk when it was killed -9; "+
		"Kafka started, %s restarted with the same spool.dir, task RUNNING there after %s", total, victim.name(),
		mb(held), victim.name(), time.Since(restarted).Round(100*time.Millisecond))}
}

// mountTmpfs mounts a tmpfs of size (mount's notation: 1m) on dir until the test ends.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("this scenario puts the spool on a small volume: mount -t tmpfs -o size=%s tmpfs %s: %v: %s "+
			"(the suite must run as root, as CI does, where mounting is permitted)", size, dir, err,
			strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { unmount(dir) })
}

// unmount unmounts dir, lazily if a process still has files open there.
func unmount(dir string) {
	if exec.Command("umount", dir).Run() != nil {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "integration: umount %s: %v: %s\n", dir, err, out)
		}
	}
}

// unmountUnder unmounts every file system mounted below dir: the spool volumes of a run that died.
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return
	}
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	for _, line := range strings.Split(string(b), "\n") {
		if fields := strings.Fields(line); len(fields) > 1 && strings.HasPrefix(fields[1], prefix) {
			unmount(fields[1])
		}
	}
}

// volumeFull reports whether the file system of dir has no free block left.
func volumeFull(dir string) bool {
	var st syscall.Statfs_t
	return syscall.Statfs(dir, &st) == nil && st.Bavail == 0
}

// spoolDiskFull puts each worker's spool of the connector on a 1 MiB tmpfs, stops Kafka and publishes at
// 1,000 msg/s until the spool's volume is full, and 500 messages more. The task must stop acknowledging (the
// broker keeps those 500: the task's one session, persistent, queues 1,000) and fail with a status that names the full disk;
// once the volume has room again and Kafka is back, a restart of the task must deliver what its spool holds and
// what the broker kept: nothing lost.
func spoolDiskFull(t *testing.T, e *env) {
	c := trafficCase{name: "spool-disk-full", n: 60_000, broker: mqttDefaultsURL, config: spoolOn}
	res := result{Scenario: c.name, Recovery: "-"}
	defer func() {
		res.Pass = !t.Failed()
		record(res)
	}()
	conn := "mqtt-" + c.name
	// Every worker's, since which worker will run the task is not known before it is created.
	for _, w := range e.workers {
		mountTmpfs(t, filepath.Join(w.spoolDir(), conn), "1m")
	}
	f := startFlow(t, e, c)
	if err := e.script("kafka.sh", "stop"); err != nil {
		t.Fatal(err)
	}
	kafkaUp := false
	defer func() {
		if !kafkaUp {
			if err := e.script("kafka.sh", "start"); err != nil {
				t.Error(err)
			}
		}
	}()
	ctx, stopPublishing := context.WithCancel(f.ctx)
	defer stopPublishing()
	published := make(chan struct{})
	go func() {
		defer close(published)
		f.pub.run(ctx, c.n, 1000, 500, f.tr)
	}()
	var full *worker
	if err := poll(ctx, 3*time.Minute, func() (bool, error) {
		for _, w := range e.workers {
			if volumeFull(filepath.Join(w.spoolDir(), conn)) {
				full = w
				return true, nil
			}
		}
		return false, nil
	}); err != nil {
		t.Fatalf("the spool's volume did not fill: %v (%d published)", err, f.tr.acked.Load())
	}
	fullAt, atFull := time.Now(), f.tr.acked.Load()
	// The spool's next write fails; what is published from then on waits in the broker.
	if err := poll(ctx, time.Minute, func() (bool, error) { return f.tr.acked.Load() >= atFull+500, nil }); err != nil {
		t.Fatalf("publishing stalled once the volume was full: %v", err)
	}
	stopPublishing()
	<-published
	sent := f.tr.acked.Load()
	dir := full.taskSpool(conn)
	held := dirBytes(dir)

	// The task fails at its next poll, which waits while Kafka is down; its status reaches REST through Kafka.
	if err := e.script("kafka.sh", "start"); err != nil {
		t.Fatal(err)
	}
	kafkaUp = true
	st := e.waitStatus(t, conn, 3*time.Minute, "FAILED", func(s connectorStatus) bool {
		return len(s.Tasks) == 1 && s.Tasks[0].State == "FAILED"
	})
	failedAfter := time.Since(fullAt).Round(100 * time.Millisecond)
	trace, _, _ := strings.Cut(st.Tasks[0].Trace, "\n")
	if !strings.Contains(trace, "no space left on device") {
		t.Errorf("task 0 FAILED with a trace that does not name the full disk: %s", trace)
	}
	trace, _, _ = strings.Cut(strings.ReplaceAll(trace, dir, "<dir>"), "; ")
	// Space comes back: the volume grows, and a restart of the task ships its spool.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", filepath.Join(full.spoolDir(), conn)).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v: %s", err, out)
	}
	restarted := time.Now()
	e.mustREST(t, http.MethodPost, "/connectors/"+conn+"/tasks/0/restart", nil, 202, 204)
	e.waitStatus(t, conn, 2*time.Minute, "RUNNING after the restart", running(1))
	if err := poll(f.ctx, 3*time.Minute, func() (bool, error) { return f.tr.complete(), nil }); err != nil {
		t.Errorf("not every message arrived: %v", err)
	}
	res.Recovery = time.Since(restarted).Round(100 * time.Millisecond).String()
	waitStill(f.ctx, f.tr)
	res.Sent, res.Received, res.Lost, res.Duplicated = f.tr.account()
	res.Republished = f.tr.republished.Load()
	res.Notes = fmt.Sprintf("spool on a 1 MiB tmpfs, Kafka down: volume full after %d messages (%s in the spool), "+
		"%d more published; Kafka started: task FAILED %v after the volume filled, trace %q; volume grown to 64 MiB, "+
		"task restarted; recovery: restart → everything in Kafka", atFull, mb(held), sent-atFull, failedAfter, trace)
	if res.Lost != 0 {
		t.Errorf("%d of %d messages lost", res.Lost, res.Sent)
	}
	e.mustREST(t, http.MethodDelete, "/connectors/"+conn, nil, 204)
}
