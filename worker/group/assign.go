package group

import (
	"fmt"
	"slices"
	"time"

	"github.com/connectd/connectd/connector"
)

// Snapshot is the part of the config topic the leader assigns from.
type Snapshot struct {
	// Offset is the offset after the last config record read (ClusterConfigState.offset()), or -1.
	Offset int64
	// Tasks maps every configured connector to its committed task count: 0 for a connector whose task
	// configs are missing or inconsistent, which then runs its Connector instance only.
	Tasks map[string]int
}

// Result is the leader's output for one round.
type Result struct {
	// Assignments has one entry per member.
	Assignments map[string]Assignment
	// Leader is who runs what once this round's revocations are done; nil when the round failed with
	// ConfigMismatch (Connect's leader then has no LeaderState either).
	Leader *LeaderState
}

// LeaderState is the leader's view after an assignment: the owners of every connector and task and where
// each member's REST API lives (WorkerCoordinator.LeaderState). The herder uses it to forward restarts.
type LeaderState struct {
	MemberURLs map[string]string
	Connectors map[string]string           // connector → member id
	Tasks      map[connector.TaskID]string // task → member id
}

// ConnectorOwnerURL returns the REST URL of the member running the connector, or "" when nobody does or
// s is nil.
func (s *LeaderState) ConnectorOwnerURL(connector string) string {
	if s == nil {
		return ""
	}
	return s.MemberURLs[s.Connectors[connector]]
}

// TaskOwnerURL returns the REST URL of the member running the task, or "" when nobody does or s is nil.
func (s *LeaderState) TaskOwnerURL(id connector.TaskID) string {
	if s == nil {
		return ""
	}
	return s.MemberURLs[s.Tasks[id]]
}

// Assignor runs whichever assignor the group's chosen protocol calls for and keeps the cooperative
// assignor's state between rounds. A worker keeps one for its whole life, leader or not: the state is
// checked against the last completed generation before it is trusted. It is not safe for concurrent use.
type Assignor struct {
	// MaxDelay is scheduled.rebalance.max.delay.ms: how long lost work waits for its worker to return.
	// Zero reassigns it at once. The herder sets Connect's default, 5 minutes.
	MaxDelay time.Duration

	state CooperativeState
}

// Assign computes the assignments for a round the member leads, from the freshest config snapshot the
// herder has (it should re-read the config topic first when in.Members advertise a higher offset).
func (a *Assignor) Assign(in LeaderInput, snap Snapshot, now time.Time) (Result, error) {
	version, ok := ProtocolVersion(in.Protocol)
	if !ok {
		return Result{}, fmt.Errorf("assign: unknown connect protocol %q", in.Protocol)
	}
	if _, ok := in.Members[in.LeaderID]; !ok {
		return Result{}, fmt.Errorf("assign: leader %q is not among the members", in.LeaderID)
	}
	if version == 0 {
		return AssignEager(in.LeaderID, in.Members, snap), nil
	}
	res, st := AssignCooperative(CooperativeInput{
		LeaderID:                in.LeaderID,
		Version:                 version,
		Members:                 in.Members,
		Snapshot:                snap,
		Generation:              in.Generation,
		LastCompletedGeneration: in.LastCompletedGeneration,
		Now:                     now,
		MaxDelay:                a.MaxDelay,
	}, a.state)
	a.state = st
	return res, nil
}

// State returns the cooperative assignor's retained state, for logs and tests.
func (a *Assignor) State() CooperativeState { return a.state }

// assignmentOffset applies the leader precondition (§3.3): the assignment is computed at the snapshot's
// offset, which must not be behind any member's. ok is false when it is; maxOffset is then what the
// ConfigMismatch assignments carry.
func assignmentOffset(members map[string]Metadata, snap Snapshot) (offset, maxOffset int64, ok bool) {
	first := true
	for _, m := range members {
		if first || m.ConfigOffset > maxOffset {
			maxOffset, first = m.ConfigOffset, false
		}
	}
	if snap.Offset < maxOffset {
		return 0, maxOffset, false
	}
	return snap.Offset, maxOffset, true
}

// mismatch gives every member the ConfigMismatch assignment: no work, the highest offset seen.
func mismatch(ids []string, leaderID string, members map[string]Metadata, maxOffset int64, version int16) Result {
	out := make(map[string]Assignment, len(ids))
	for _, id := range ids {
		out[id] = Assignment{
			Version: version, Error: ConfigMismatch,
			Leader: leaderID, LeaderURL: members[leaderID].URL, ConfigOffset: maxOffset,
		}
	}
	return Result{Assignments: out}
}

func sortedIDs(members map[string]Metadata) []string {
	ids := make([]string, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// configured lists the snapshot's connectors in name order and their tasks in (connector, task) order.
func configured(snap Snapshot) (connectors []string, tasks []connector.TaskID) {
	connectors = make([]string, 0, len(snap.Tasks))
	for c := range snap.Tasks {
		connectors = append(connectors, c)
	}
	slices.Sort(connectors)
	for _, c := range connectors {
		for i := range snap.Tasks[c] {
			tasks = append(tasks, connector.TaskID{Connector: c, Task: i})
		}
	}
	return connectors, tasks
}

func compareTasks(a, b connector.TaskID) int {
	if a.Connector != b.Connector {
		if a.Connector < b.Connector {
			return -1
		}
		return 1
	}
	return a.Task - b.Task
}

func urls(members map[string]Metadata) map[string]string {
	out := make(map[string]string, len(members))
	for id, m := range members {
		out[id] = m.URL
	}
	return out
}
