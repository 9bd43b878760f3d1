package worker

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/spool"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/metrics"
)

// spoolAuditor finds spools under spool.dir that hold messages no task on this worker will ship: those of
// tasks that moved to another worker (they wait for the task to run here again), of connectors deleted or
// stopped, and of task numbers a smaller tasks.max no longer has. It logs each once (WARN, again when what it
// holds changes, with why no task here ships it) and exports them as metrics (connectd_spool_orphaned_*), so
// that messages acknowledged to the broker do not wait on a disk unseen. A spool that is open (its task runs
// here or on another worker sharing spool.dir) is not reported. It never deletes anything: the operator
// decides.
//
// The herder asks for an audit after every reconciliation (kick), with the tasks it runs; the audit reads the
// disk on the auditor's own goroutine. A spool is read in full once, then again only when its files change.
type spoolAuditor struct {
	root    string
	self    string // the worker id, as statuses name workers
	store   *storage.Store
	metrics *metrics.Worker
	log     *slog.Logger

	mu      sync.Mutex
	running map[connector.TaskID]bool // the tasks of the latest kick
	kicked  chan struct{}             // one slot: an audit is due

	// Owned by Run.
	seen map[string]auditedSpool // by directory
}

// auditedSpool is what the last audit found in one spool directory.
type auditedSpool struct {
	stamp   string // the names, sizes and modification times of its files
	backlog spool.Backlog
	reason  string
}

func newSpoolAuditor(root, self string, store *storage.Store, m *metrics.Worker, log *slog.Logger) *spoolAuditor {
	return &spoolAuditor{root: root, self: self, store: store, metrics: m, log: log,
		kicked: make(chan struct{}, 1), seen: make(map[string]auditedSpool)}
}

// kick asks for an audit with running, the tasks this worker runs now; it never blocks.
func (a *spoolAuditor) kick(running map[connector.TaskID]bool) {
	a.mu.Lock()
	a.running = running
	a.mu.Unlock()
	select {
	case a.kicked <- struct{}{}:
	default:
	}
}

// auditDelay is how long an audit waits after a kick, so that the reconciliations of a rebalance, or of a
// burst of requests, make one audit.
const auditDelay = time.Second

// auditInterval is how often the auditor looks again without a kick: an operator may have moved or deleted a
// spool's files, and nothing in the group tells the worker.
const auditInterval = time.Minute

// Run audits after each kick, auditDelay later, and every auditInterval after the first kick, until ctx ends.
func (a *spoolAuditor) Run(ctx context.Context) error {
	delay := time.NewTimer(0)
	<-delay.C
	var periodic <-chan time.Time // nil until the first kick: before it, which tasks run here is unknown
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-a.kicked:
			if periodic == nil {
				t := time.NewTicker(auditInterval)
				defer t.Stop()
				periodic = t.C
			}
		case <-periodic:
		}
		delay.Reset(auditDelay)
		select {
		case <-ctx.Done():
			delay.Stop()
			return nil
		case <-delay.C:
		}
		a.mu.Lock()
		running := a.running
		a.mu.Unlock()
		a.audit(running)
	}
}

// audit reads spool.dir's task directories, <root>/<connector>/<task>, and reports the spools with
// messages that are not shipped and whose task does not run here.
func (a *spoolAuditor) audit(running map[connector.TaskID]bool) {
	names := make(map[string]*storage.Connector) // config.PathName → connector
	for _, c := range a.store.Connectors() {
		names[config.PathName(c.Name)] = c
	}
	conns, err := os.ReadDir(a.root)
	if err != nil {
		if !os.IsNotExist(err) {
			a.log.Warn("spool audit: cannot read spool.dir", "dir", a.root, "err", err)
		}
		conns = nil
	}
	found := make(map[string]bool)
	orphans := make(map[connector.TaskID]metrics.OrphanedSpool)
	for _, ce := range conns {
		if !ce.IsDir() {
			continue
		}
		c := names[ce.Name()]
		tasks, err := os.ReadDir(filepath.Join(a.root, ce.Name()))
		if err != nil {
			a.log.Warn("spool audit: cannot read a connector's spool directory", "dir", filepath.Join(a.root, ce.Name()), "err", err)
			continue
		}
		for _, te := range tasks {
			n, err := strconv.Atoi(te.Name())
			if !te.IsDir() || err != nil || n < 0 {
				continue
			}
			id := connector.TaskID{Connector: connectorName(ce.Name(), c), Task: n}
			if running[id] {
				continue // its task ships it
			}
			dir := filepath.Join(a.root, ce.Name(), te.Name())
			used, err := spool.InUse(dir)
			if err != nil {
				// Reported all the same: Inspect below meets the same problem and marks the spool damaged.
				a.log.Warn("spool audit: cannot probe a spool's lock", "dir", dir, "err", err)
			}
			if used {
				// Open: the task runs on another worker sharing spool.dir (all of a host's workers do with its
				// default), or starts here right now. Its owner ships it.
				continue
			}
			found[dir] = true
			prev, known := a.seen[dir]
			cur := auditedSpool{stamp: dirStamp(dir)}
			if known && prev.stamp == cur.stamp {
				cur.backlog = prev.backlog
			} else if cur.backlog, err = spool.Inspect(dir); err != nil {
				// Unreadable is no reason to stop reporting it: keep what was known, marked damaged.
				a.log.Warn("spool audit: cannot read a spool", "dir", dir, "err", err)
				cur.backlog, cur.stamp = prev.backlog, ""
				cur.backlog.Damaged = true
			}
			cur.reason = a.reason(id, c)
			a.seen[dir] = cur
			if cur.backlog.Entries == 0 && !cur.backlog.Damaged {
				continue
			}
			orphans[id] = metrics.OrphanedSpool{Entries: cur.backlog.Entries, Bytes: cur.backlog.Bytes, Damaged: cur.backlog.Damaged}
			if !known || prev.backlog != cur.backlog {
				a.log.Warn("spooled messages wait on this worker's disk: no task here ships them",
					"connector", id.Connector, "task", id.Task, "dir", dir, "entries", cur.backlog.Entries,
					"bytes", cur.backlog.Bytes, "damaged", cur.backlog.Damaged, "reason", cur.reason)
			}
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(a.seen)) {
		if found[dir] {
			continue
		}
		if prev := a.seen[dir]; prev.backlog.Entries > 0 {
			a.log.Info("spool no longer reported: its task runs (here, or on a worker sharing spool.dir), or the directory is gone", "dir", dir)
		}
		delete(a.seen, dir)
	}
	a.metrics.SetOrphanedSpools(orphans)
}

// reason says why no task on this worker ships the spool of task id (c nil: no such connector).
func (a *spoolAuditor) reason(id connector.TaskID, c *storage.Connector) string {
	switch {
	case c == nil:
		return "the connector was deleted; a connector of the same name whose task " + strconv.Itoa(id.Task) +
			" runs on this worker would ship them"
	case c.TargetState == records.TargetStopped:
		return "the connector is stopped; its task ships them once it is resumed and the task runs on this worker"
	case id.Task >= c.TaskCount && c.TaskCount == 0:
		return "the connector has no tasks now"
	case id.Task >= c.TaskCount && c.TaskCount == 1:
		return "the connector has only task 0 now"
	case id.Task >= c.TaskCount:
		return fmt.Sprintf("the connector has tasks 0 to %d now", c.TaskCount-1)
	}
	if st, ok := a.store.TaskStatus(id); ok && st.WorkerID != "" && st.WorkerID != a.self {
		return "the task runs on worker " + st.WorkerID + "; they wait until it runs on this worker again"
	}
	return "the task does not run on this worker; they wait until it does"
}

// connectorName is the connector a spool directory name belongs to: c's name when the config topic has it,
// else the name config.PathName escaped (a long name's directory keeps only its escaped prefix).
func connectorName(dir string, c *storage.Connector) string {
	if c != nil {
		return c.Name
	}
	if name, err := url.PathUnescape(dir); err == nil {
		return name
	}
	return dir
}

// dirStamp identifies the state of a directory's files by their names, sizes and modification times, so a
// spool whose files did not change is not read again.
func dirStamp(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var b []byte
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return ""
		}
		b = fmt.Appendf(b, "%s:%d:%d;", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return string(b)
}
