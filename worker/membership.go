package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/worker/group"
)

// membership is the herder's view of the Connect group: what this worker owns and who leads. It is owned by
// the herder loop; leaderURL and isLeader are also read by REST goroutines, hence the lock.
type membership struct {
	member   *group.Member
	assignor *group.Assignor

	// owned is the merged assignment this worker runs and advertises; nil before the first round.
	owned *group.Assignment
	// snapshot is the connector → task count map the current assignment was made from; a change of it
	// (a connector added or removed, new task configs) needs a rebalance.
	snapshot map[string]int

	rejoinAt time.Time // a scheduled rebalance (the assignment's delay); zero when none

	mu         sync.Mutex
	generation int32 // of the assignment leaderURL, isLeader and leader come from; -1 before the first
	leaderURL  string
	isLeader   bool
	leader     *group.LeaderState // the leader's owner map, for forwarding restarts; nil on followers
	stable     bool               // false from the moment a rebalance is needed until it completes
}

func (m *membership) leaderInfo() (url string, leader bool, stable bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.leaderURL, m.isLeader, m.stable
}

// newMembership builds the group member of a worker.
func (w *Worker) newMembership() (*membership, error) {
	member, err := group.NewMember(group.Config{
		Client:            w.client,
		GroupID:           w.cfg.GroupID,
		ClientID:          w.cfg.ClientID,
		WorkerID:          w.id,
		Protocol:          w.cfg.ConnectProtocol,
		SessionTimeout:    w.cfg.SessionTimeout,
		RebalanceTimeout:  w.cfg.RebalanceTimeout,
		HeartbeatInterval: w.cfg.HeartbeatInterval,
		Logger:            w.log.With("component", "group"),
	})
	if err != nil {
		return nil, fmt.Errorf("join group %s: %w", w.cfg.GroupID, err)
	}
	return &membership{member: member, assignor: &group.Assignor{MaxDelay: w.cfg.ScheduledRebalanceMaxDelay}, generation: -1}, nil
}

// requestRejoin asks the herder loop for a rebalance; callable from any goroutine.
func (w *Worker) requestRejoin() {
	w.group.mu.Lock()
	w.group.stable = false
	w.group.mu.Unlock()
	w.rejoinNeeded.Store(true)
	w.poke()
}

// configSnapshot is the assignor's view of the config topic: every connector with its committed task count.
func (w *Worker) configSnapshot() group.Snapshot {
	snap := group.Snapshot{Offset: w.store.ConfigOffset(), Tasks: map[string]int{}}
	for _, c := range w.store.Connectors() {
		snap.Tasks[c.Name] = c.TaskCount
	}
	return snap
}

// rejoin runs one rebalance round and applies its result: stop what was revoked, start what was assigned.
func (w *Worker) rejoin(ctx context.Context) {
	w.rejoinNeeded.Store(false)
	w.joinAwaited.Store(false)
	w.metrics.Rebalance.Started()
	m := w.group
	meta := group.Metadata{URL: w.url, ConfigOffset: w.store.ConfigOffset(), Allocation: m.owned}
	// The leader's snapshot is the one it assigned from: a connector read from the config topic after the
	// assignment was computed must still look new, or it would stay unassigned until some other rebalance.
	var assignedFrom map[string]int
	res, err := m.member.Join(ctx, meta, func(in group.LeaderInput) (map[string]group.Assignment, error) {
		// The leader must not assign from a config snapshot older than a member's.
		for _, md := range in.Members {
			if md.ConfigOffset > w.store.ConfigOffset() {
				rctx, cancel := context.WithTimeout(ctx, w.cfg.WorkerSyncTimeout)
				if err := w.configLog.ReadToEnd(rctx); err != nil {
					w.log.Warn("leader could not catch up with the config topic", "err", err)
				}
				cancel()
				break
			}
		}
		snap := w.configSnapshot()
		result, err := m.assignor.Assign(in, snap, time.Now())
		if err != nil {
			return nil, err
		}
		assignedFrom = snap.Tasks
		m.mu.Lock()
		m.leader = result.Leader
		m.mu.Unlock()
		return result.Assignments, nil
	})
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("rebalance failed, retrying", "err", err)
			w.rejoinNeeded.Store(true)
			w.scheduleRejoin(time.Second)
		}
		return
	}
	a := res.Assignment
	w.gen.Store(res.Generation)
	m.mu.Lock()
	m.generation, m.leaderURL, m.isLeader = res.Generation, a.LeaderURL, res.IsLeader
	if !res.IsLeader {
		m.leader = nil
	}
	m.mu.Unlock()

	if a.Error == group.ConfigMismatch {
		w.log.Info("config mismatch in rebalance, reading config topic and rejoining", "generation", res.Generation)
		w.readConfigTo(ctx, a.ConfigOffset)
		w.rejoinNeeded.Store(true)
		return
	}
	if w.store.ConfigOffset() < a.ConfigOffset && !w.readConfigTo(ctx, a.ConfigOffset) {
		// Kafka Connect leaves the round and backs off when it cannot catch up in worker.sync.timeout.ms.
		w.log.Warn("config topic behind the assignment, rejoining", "offset", w.store.ConfigOffset(), "assignment_offset", a.ConfigOffset)
		w.rejoinNeeded.Store(true)
		w.scheduleRejoin(w.cfg.WorkerSyncTimeout)
		return
	}
	merged := group.MergeAssignment(m.owned, a, res.Protocol)
	m.owned = &merged
	m.snapshot = w.configSnapshot().Tasks
	if res.IsLeader && assignedFrom != nil {
		m.snapshot = assignedFrom
	}
	w.log.Info("rebalance completed", "generation", res.Generation, "leader", res.IsLeader,
		"connectors", len(merged.Assigned.Connectors), "tasks", len(merged.Assigned.Tasks),
		"revoked", len(a.Revoked.Connectors)+len(a.Revoked.Tasks), "delay_ms", a.Delay)

	w.reconcile(ctx)
	w.metrics.Rebalance.Completed(res.Generation, a.LeaderURL)
	if res.IsLeader {
		w.leaderDuties(ctx)
	}
	revoked := len(a.Revoked.Connectors)+len(a.Revoked.Tasks) > 0
	if revoked {
		// As Kafka Connect does, make the UNASSIGNED statuses of revoked work durable before the follow-up
		// round hands it to another worker, so they cannot land after that worker's RUNNING.
		fctx, cancel := context.WithTimeout(ctx, w.cfg.TaskShutdownGracefulTimeout)
		if err := w.statuses.flush(fctx); err != nil {
			w.log.Warn("status flush before rejoin failed", "err", err)
		}
		cancel()
	}
	switch {
	case revoked:
		// The freed work is placed in a follow-up round.
		w.rejoinNeeded.Store(true)
	case a.Delay > 0:
		w.scheduleRejoin(time.Duration(a.Delay) * time.Millisecond)
	}
	if !w.rejoinNeeded.Load() {
		m.mu.Lock()
		m.stable = true
		m.mu.Unlock()
	}
}

// readConfigTo reads the config topic until it reaches offset, within worker.sync.timeout.ms.
func (w *Worker) readConfigTo(ctx context.Context, offset int64) bool {
	rctx, cancel := context.WithTimeout(ctx, w.cfg.WorkerSyncTimeout)
	defer cancel()
	if err := w.configLog.ReadToEnd(rctx); err != nil {
		return false
	}
	return w.store.ConfigOffset() >= offset
}

// scheduleRejoin makes the herder rejoin after d (the assignment's delay, or a back-off).
func (w *Worker) scheduleRejoin(d time.Duration) {
	at := time.Now().Add(d)
	if w.group.rejoinAt.IsZero() || at.Before(w.group.rejoinAt) {
		w.group.rejoinAt = at
	}
}

// snapshotChanged reports whether connectors or task counts changed since the current assignment was made.
func (w *Worker) snapshotChanged() bool {
	cur := w.configSnapshot().Tasks
	if len(cur) != len(w.group.snapshot) {
		return true
	}
	for k, v := range cur {
		if old, ok := w.group.snapshot[k]; !ok || old != v {
			return true
		}
	}
	return false
}

// leaderDuties are what the leader does after each round: make sure a valid session key exists.
func (w *Worker) leaderDuties(ctx context.Context) {
	if err := w.ensureSessionKey(ctx); err != nil {
		w.log.Warn("writing session key failed", "err", err)
	}
}

// heartbeatLoop keeps the membership alive between rounds and asks for a rebalance when the coordinator
// says one is under way.
func (w *Worker) heartbeatLoop(ctx context.Context) error {
	t := time.NewTicker(w.group.member.HeartbeatInterval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, _, stable := w.group.member.Generation(); !stable {
			continue
		}
		err := w.group.member.Heartbeat(ctx)
		switch {
		case err == nil:
		case errors.Is(err, group.ErrRebalanceNeeded):
			w.joinAwaited.Store(true)
			w.requestRejoin()
		case ctx.Err() != nil:
			return nil
		default:
			w.log.Warn("heartbeat failed", "err", err)
		}
	}
}

// assigned reports whether this worker owns the connector instance.
func (w *Worker) assigned(name string) bool {
	if w.group.owned == nil {
		return false
	}
	for _, c := range w.group.owned.Assigned.Connectors {
		if c == name {
			return true
		}
	}
	return false
}

// assignedTask reports whether this worker owns the task.
func (w *Worker) assignedTask(id connector.TaskID) bool {
	if w.group.owned == nil {
		return false
	}
	for _, t := range w.group.owned.Assigned.Tasks {
		if t == id {
			return true
		}
	}
	return false
}

// leaderOnly returns the error forwarding a leader-only request, or nil on the leader.
func (w *Worker) leaderOnly(msg string) error {
	url, leader, _ := w.group.leaderInfo()
	if leader {
		return nil
	}
	return &herder.NotLeaderError{TargetURL: url, Message: msg}
}

// ownerOf returns the URL of the worker that owns a connector (task < 0) or task, as the leader knows it.
func (w *Worker) ownerOf(id connector.TaskID) string {
	w.group.mu.Lock()
	defer w.group.mu.Unlock()
	if id.Task < 0 {
		return w.group.leader.ConnectorOwnerURL(id.Connector)
	}
	return w.group.leader.TaskOwnerURL(id)
}
