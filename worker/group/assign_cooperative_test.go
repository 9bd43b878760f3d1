package group

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const maxDelay = 300 * time.Second

// sim plays the members' side of cooperative rounds the way the herder will: each member merges what it
// receives into what it runs and advertises that, and each keeps its own assignor state.
type sim struct {
	t             *testing.T
	maxDelay      time.Duration
	gen           int32
	states        map[string]CooperativeState
	lastCompleted map[string]int32
	running       map[string]*Assignment
}

func newSim(t *testing.T) *sim {
	return &sim{
		t: t, maxDelay: maxDelay,
		states:        make(map[string]CooperativeState),
		lastCompleted: make(map[string]int32),
		running:       make(map[string]*Assignment),
	}
}

// round runs one rebalance with the given leader and members at now and applies the result.
func (s *sim) round(now time.Time, snap Snapshot, leader string, ids ...string) Result {
	s.t.Helper()
	s.gen++
	ms := make(map[string]Metadata, len(ids))
	for _, id := range ids {
		ms[id] = Metadata{Version: 2, URL: "http://" + id + "/", ConfigOffset: snap.Offset, Allocation: s.running[id]}
	}
	last, ok := s.lastCompleted[leader]
	if !ok {
		last = -1
	}
	res, st := AssignCooperative(CooperativeInput{
		LeaderID: leader, Version: 2, Members: ms, Snapshot: snap,
		Generation: s.gen, LastCompletedGeneration: last, Now: now, MaxDelay: s.maxDelay,
	}, s.states[leader])
	s.states[leader] = st
	if len(res.Assignments) != len(ids) {
		s.t.Fatalf("generation %d: %d assignments for %d members", s.gen, len(res.Assignments), len(ids))
	}
	for _, id := range ids {
		a := res.Assignments[id]
		if a.Version != 2 || a.Error != NoError || a.Leader != leader || a.ConfigOffset != snap.Offset {
			s.t.Fatalf("generation %d: %s header %+v", s.gen, id, a)
		}
		merged := MergeAssignment(s.running[id], a, ProtocolSessioned)
		s.running[id] = &merged
		s.lastCompleted[id] = s.gen
	}
	s.checkNoDuplicates(ids)
	return res
}

// crash forgets a member, as a restarted worker comes back with a new id and nothing running.
func (s *sim) crash(id string) { delete(s.running, id); delete(s.lastCompleted, id) }

func (s *sim) checkNoDuplicates(ids []string) {
	s.t.Helper()
	owner := make(map[string]string)
	for _, id := range ids {
		a := s.running[id]
		if a == nil {
			continue
		}
		for _, c := range a.Assigned.Connectors {
			if o, dup := owner["c:"+c]; dup {
				s.t.Fatalf("generation %d: connector %s runs on %s and %s", s.gen, c, o, id)
			}
			owner["c:"+c] = id
		}
		for _, tk := range a.Assigned.Tasks {
			k := fmt.Sprintf("t:%s/%d", tk.Connector, tk.Task)
			if o, dup := owner[k]; dup {
				s.t.Fatalf("generation %d: task %v runs on %s and %s", s.gen, tk, o, id)
			}
			owner[k] = id
		}
	}
}

// runs returns what a member runs, sorted.
func (s *sim) runs(id string) Allocation {
	a := s.running[id]
	if a == nil {
		return Allocation{}
	}
	return sortedAlloc(a.Assigned)
}

func sortedAlloc(a Allocation) Allocation {
	out := Allocation{Connectors: slices.Clone(a.Connectors), Tasks: slices.Clone(a.Tasks)}
	slices.Sort(out.Connectors)
	slices.SortFunc(out.Tasks, compareTasks)
	return out
}

func tasks(c string, ns ...int) []connector.TaskID {
	out := make([]connector.TaskID, len(ns))
	for i, n := range ns {
		out[i] = tid(c, n)
	}
	return out
}

func wantRuns(t *testing.T, s *sim, want map[string]Allocation) {
	t.Helper()
	for id, w := range want {
		if got := s.runs(id); !reflect.DeepEqual(got, sortedAlloc(w)) {
			t.Errorf("generation %d: %s runs %+v, want %+v", s.gen, id, got, sortedAlloc(w))
		}
	}
}

func wantDelay(t *testing.T, res Result, d time.Duration) {
	t.Helper()
	for id, a := range res.Assignments {
		if a.Delay != int32(d.Milliseconds()) {
			t.Errorf("%s delay %dms, want %v", id, a.Delay, d)
		}
	}
}

func wantNoRevocations(t *testing.T, res Result) {
	t.Helper()
	for id, a := range res.Assignments {
		if !a.Revoked.IsEmpty() {
			t.Errorf("%s revoked %+v", id, a.Revoked)
		}
	}
}

func counts(s *sim, ids ...string) (connectors, tasks []int) {
	for _, id := range ids {
		r := s.runs(id)
		connectors = append(connectors, len(r.Connectors))
		tasks = append(tasks, len(r.Tasks))
	}
	return connectors, tasks
}

var oneConnectorSixTasks = Snapshot{Offset: 5, Tasks: map[string]int{"c": 6}}

func TestCooperativeFreshGroup(t *testing.T) {
	tests := []struct {
		name      string
		snap      Snapshot
		wantConns []int
		wantTasks []int
		want      map[string]Allocation
	}{
		{
			name: "three workers, one connector with six tasks", snap: oneConnectorSixTasks,
			wantConns: []int{1, 0, 0}, wantTasks: []int{2, 2, 2},
			want: map[string]Allocation{
				"w1": {Connectors: []string{"c"}, Tasks: tasks("c", 0, 3)},
				"w2": {Tasks: tasks("c", 1, 4)},
				"w3": {Tasks: tasks("c", 2, 5)},
			},
		},
		{
			name: "six single-task connectors", snap: Snapshot{Offset: 5, Tasks: map[string]int{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1}},
			wantConns: []int{2, 2, 2}, wantTasks: []int{2, 2, 2},
			want: map[string]Allocation{
				"w1": {Connectors: []string{"a", "d"}, Tasks: []connector.TaskID{tid("a", 0), tid("d", 0)}},
				"w2": {Connectors: []string{"b", "e"}, Tasks: []connector.TaskID{tid("b", 0), tid("e", 0)}},
				"w3": {Connectors: []string{"c", "f"}, Tasks: []connector.TaskID{tid("c", 0), tid("f", 0)}},
			},
		},
		{
			name: "seven tasks differ by at most one", snap: Snapshot{Offset: 5, Tasks: map[string]int{"a": 4, "b": 3}},
			wantConns: []int{1, 1, 0}, wantTasks: []int{3, 2, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t)
			res := s.round(t0, tt.snap, "w1", "w1", "w2", "w3")
			wantNoRevocations(t, res)
			wantDelay(t, res, 0)
			c, k := counts(s, "w1", "w2", "w3")
			if !reflect.DeepEqual(c, tt.wantConns) || !reflect.DeepEqual(k, tt.wantTasks) {
				t.Errorf("connectors %v tasks %v, want %v %v", c, k, tt.wantConns, tt.wantTasks)
			}
			wantRuns(t, s, tt.want)
			// The leader state agrees with what members run.
			for _, id := range []string{"w1", "w2", "w3"} {
				for _, tk := range s.runs(id).Tasks {
					if got := res.Leader.TaskOwnerURL(tk); got != "http://"+id+"/" {
						t.Errorf("owner of %v = %q, want %s", tk, got, id)
					}
				}
			}
			// A second round with nothing changed moves nothing.
			res = s.round(t0.Add(time.Second), tt.snap, "w1", "w1", "w2", "w3")
			wantNoRevocations(t, res)
			for id, a := range res.Assignments {
				if !a.Assigned.IsEmpty() {
					t.Errorf("stable round assigned %+v to %s", a.Assigned, id)
				}
			}
		})
	}
}

func TestCooperativeLostWorkHeldForDelay(t *testing.T) {
	s := newSim(t)
	s.round(t0, oneConnectorSixTasks, "w1", "w1", "w2", "w3")
	s.crash("w3") // w3 ran tasks 2 and 5

	// w3 is gone: its tasks are lost and held for the delay, nobody gets them yet.
	res := s.round(t0.Add(time.Second), oneConnectorSixTasks, "w1", "w1", "w2")
	wantDelay(t, res, maxDelay)
	wantNoRevocations(t, res)
	wantRuns(t, s, map[string]Allocation{
		"w1": {Connectors: []string{"c"}, Tasks: tasks("c", 0, 3)},
		"w2": {Tasks: tasks("c", 1, 4)},
	})
	if st := s.states["w1"]; !st.ScheduledRebalance.Equal(t0.Add(time.Second + maxDelay)) {
		t.Fatalf("scheduled rebalance %v", st.ScheduledRebalance)
	}

	// Another round during the delay hands out the remaining time, still holding the work.
	res = s.round(t0.Add(101*time.Second), oneConnectorSixTasks, "w1", "w1", "w2")
	wantDelay(t, res, 200*time.Second)
	if n := len(s.runs("w1").Tasks) + len(s.runs("w2").Tasks); n != 4 {
		t.Fatalf("%d tasks running during the delay, want 4", n)
	}

	// Once the delay has passed the lost tasks are reassigned like new ones.
	res = s.round(t0.Add(301*time.Second), oneConnectorSixTasks, "w1", "w1", "w2")
	wantDelay(t, res, 0)
	wantNoRevocations(t, res)
	wantRuns(t, s, map[string]Allocation{
		"w1": {Connectors: []string{"c"}, Tasks: tasks("c", 0, 2, 3)},
		"w2": {Tasks: tasks("c", 1, 4, 5)},
	})
	if st := s.states["w1"]; !st.ScheduledRebalance.IsZero() || st.Delay != 0 || len(st.Candidates) != 0 {
		t.Fatalf("delay not reset: %+v", st)
	}
}

func TestCooperativeRestartedWorkerGetsItsWorkBack(t *testing.T) {
	s := newSim(t)
	s.round(t0, oneConnectorSixTasks, "w1", "w1", "w2", "w3")
	s.crash("w3")
	s.round(t0.Add(time.Second), oneConnectorSixTasks, "w1", "w1", "w2")

	// w3 restarts (new member id, nothing running) within the delay: it becomes a candidate and the
	// lost work stays unassigned until the scheduled rebalance.
	res := s.round(t0.Add(10*time.Second), oneConnectorSixTasks, "w1", "w1", "w2", "w3b")
	wantDelay(t, res, 291*time.Second)
	wantNoRevocations(t, res)
	if got := s.runs("w3b"); !got.IsEmpty() {
		t.Fatalf("w3b got %+v during the delay", got)
	}
	if got := s.states["w1"].Candidates; !reflect.DeepEqual(got, []string{"w3b"}) {
		t.Fatalf("candidates %v", got)
	}

	res = s.round(t0.Add(301*time.Second), oneConnectorSixTasks, "w1", "w1", "w2", "w3b")
	wantDelay(t, res, 0)
	wantNoRevocations(t, res)
	wantRuns(t, s, map[string]Allocation{
		"w1":  {Connectors: []string{"c"}, Tasks: tasks("c", 0, 3)},
		"w2":  {Tasks: tasks("c", 1, 4)},
		"w3b": {Tasks: tasks("c", 2, 5)},
	})
}

func TestCooperativeEvictedWorkerRejoinsWithItsAllocation(t *testing.T) {
	s := newSim(t)
	s.round(t0, oneConnectorSixTasks, "w1", "w1", "w2", "w3")
	kept := s.running["w3"]
	s.crash("w3")
	res := s.round(t0.Add(time.Second), oneConnectorSixTasks, "w1", "w1", "w2")
	wantDelay(t, res, maxDelay)

	// Evicted (new member id) but still running its work, which it advertises: nothing is lost any more.
	s.running["w3-new"] = kept
	res = s.round(t0.Add(5*time.Second), oneConnectorSixTasks, "w1", "w1", "w2", "w3-new")
	wantDelay(t, res, 0)
	wantNoRevocations(t, res)
	wantRuns(t, s, map[string]Allocation{"w3-new": {Tasks: tasks("c", 2, 5)}})
}

func TestCooperativeNewMemberRevokesThenAssigns(t *testing.T) {
	s := newSim(t)
	s.round(t0, oneConnectorSixTasks, "w1", "w1", "w2")
	wantRuns(t, s, map[string]Allocation{
		"w1": {Connectors: []string{"c"}, Tasks: tasks("c", 0, 2, 4)},
		"w2": {Tasks: tasks("c", 1, 3, 5)},
	})

	// w3 joins: the leader revokes one task from each of the others and assigns nothing yet.
	res := s.round(t0.Add(time.Second), oneConnectorSixTasks, "w1", "w1", "w2", "w3")
	wantDelay(t, res, 0)
	if got := res.Assignments["w1"].Revoked; !reflect.DeepEqual(got, Allocation{Tasks: tasks("c", 0)}) {
		t.Errorf("w1 revoked %+v", got)
	}
	if got := res.Assignments["w2"].Revoked; !reflect.DeepEqual(got, Allocation{Tasks: tasks("c", 1)}) {
		t.Errorf("w2 revoked %+v", got)
	}
	for id, a := range res.Assignments {
		if !a.Assigned.IsEmpty() {
			t.Errorf("%s assigned %+v in the revoking round", id, a.Assigned)
		}
	}
	if !s.states["w1"].RevokedInPrevious {
		t.Error("revoking round not remembered")
	}

	// The follow-up round places the freed tasks on the new member.
	res = s.round(t0.Add(2*time.Second), oneConnectorSixTasks, "w1", "w1", "w2", "w3")
	wantNoRevocations(t, res)
	if got := res.Assignments["w3"].Assigned; !reflect.DeepEqual(sortedAlloc(got), Allocation{Tasks: tasks("c", 0, 1)}) {
		t.Errorf("w3 assigned %+v", got)
	}
	if c, k := counts(s, "w1", "w2", "w3"); !reflect.DeepEqual(c, []int{1, 0, 0}) || !reflect.DeepEqual(k, []int{2, 2, 2}) {
		t.Errorf("connectors %v tasks %v", c, k)
	}
	if st := s.states["w1"]; st.RevokedInPrevious || st.SuccessiveRevokingRebalances != 0 {
		t.Errorf("revocation state not reset: %+v", st)
	}
}

func TestCooperativeNewLeaderAssignsEverything(t *testing.T) {
	s := newSim(t)
	s.round(t0, oneConnectorSixTasks, "w1", "w1", "w2", "w3")
	// The leader w1 dies; w2 leads with no state of its own: w1's work is not "lost" to it but unowned,
	// and is assigned at once.
	s.crash("w1")
	res := s.round(t0.Add(time.Second), oneConnectorSixTasks, "w2", "w2", "w3")
	wantDelay(t, res, 0)
	wantNoRevocations(t, res)
	wantRuns(t, s, map[string]Allocation{
		"w2": {Connectors: []string{"c"}, Tasks: tasks("c", 0, 1, 4)},
		"w3": {Tasks: tasks("c", 2, 3, 5)},
	})

	// A leader whose state is from an older generation than its last completed one forgets it too.
	// Trusting it would make c and c-0 lost with the departed x and hold them for the delay.
	st := CooperativeState{
		PreviousGeneration: 1, PreviousMembers: []string{"x", "w2"},
		PreviousAssignment: Allocation{Connectors: []string{"c"}, Tasks: tasks("c", 0)},
	}
	res2, _ := AssignCooperative(CooperativeInput{
		LeaderID: "w2", Version: 1, Members: members(5, "w2"), Snapshot: Snapshot{Offset: 5, Tasks: map[string]int{"c": 1}},
		Generation: 9, LastCompletedGeneration: 8, Now: t0, MaxDelay: maxDelay,
	}, st)
	if a := res2.Assignments["w2"]; a.Delay != 0 || !a.Revoked.IsEmpty() || len(a.Assigned.Tasks) != 1 || len(a.Assigned.Connectors) != 1 || a.Version != 1 {
		t.Errorf("stale state was used: %+v", a)
	}
}

func TestCooperativeDeletedConnectorRevoked(t *testing.T) {
	s := newSim(t)
	both := Snapshot{Offset: 5, Tasks: map[string]int{"a": 2, "b": 1}}
	s.round(t0, both, "w1", "w1", "w2")
	wantRuns(t, s, map[string]Allocation{
		"w1": {Connectors: []string{"a"}, Tasks: []connector.TaskID{tid("a", 0), tid("b", 0)}},
		"w2": {Connectors: []string{"b"}, Tasks: tasks("a", 1)},
	})

	onlyA := Snapshot{Offset: 6, Tasks: map[string]int{"a": 2}}
	res := s.round(t0.Add(time.Second), onlyA, "w1", "w1", "w2")
	if got := res.Assignments["w1"].Revoked; !reflect.DeepEqual(got, Allocation{Tasks: tasks("b", 0)}) {
		t.Errorf("w1 revoked %+v", got)
	}
	if got := res.Assignments["w2"].Revoked; !reflect.DeepEqual(got, Allocation{Connectors: []string{"b"}}) {
		t.Errorf("w2 revoked %+v", got)
	}
	if res.Leader.ConnectorOwnerURL("b") != "" || res.Leader.TaskOwnerURL(tid("b", 0)) != "" {
		t.Error("deleted connector still has an owner")
	}
	wantDelay(t, res, 0)
	// Deleted work is never lost: the next round has nothing to hold.
	res = s.round(t0.Add(2*time.Second), onlyA, "w1", "w1", "w2")
	wantDelay(t, res, 0)
	wantNoRevocations(t, res)
}

func TestCooperativeDuplicatedRevokedFromEveryOwner(t *testing.T) {
	s := newSim(t)
	snap := Snapshot{Offset: 5, Tasks: map[string]int{"a": 2}}
	s.round(t0, snap, "w1", "w1", "w2")
	// w2 also runs a-0, say after a missed revocation.
	dup := *s.running["w2"]
	dup.Assigned.Tasks = append(slices.Clone(dup.Assigned.Tasks), tid("a", 0))
	s.running["w2"] = &dup
	if !slices.Contains(s.runs("w1").Tasks, tid("a", 0)) {
		t.Fatal("setup: w1 does not run a-0")
	}

	res := s.round(t0.Add(time.Second), snap, "w1", "w1", "w2")
	for _, id := range []string{"w1", "w2"} {
		if got := res.Assignments[id].Revoked; !reflect.DeepEqual(got, Allocation{Tasks: tasks("a", 0)}) {
			t.Errorf("%s revoked %+v", id, got)
		}
	}
	res = s.round(t0.Add(2*time.Second), snap, "w1", "w1", "w2")
	owners := 0
	for _, id := range []string{"w1", "w2"} {
		if slices.Contains(s.runs(id).Tasks, tid("a", 0)) {
			owners++
		}
	}
	if owners != 1 {
		t.Fatalf("a-0 runs on %d members after the follow-up round", owners)
	}
	wantNoRevocations(t, res)
}

func TestCooperativeSuccessiveRevocationsBackOff(t *testing.T) {
	for _, tt := range []struct {
		name      string
		maxDelay  time.Duration
		wantDelay time.Duration
	}{
		{name: "delay", maxDelay: maxDelay, wantDelay: 40 * time.Millisecond},
		{name: "no delay", maxDelay: 0, wantDelay: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t)
			s.maxDelay = tt.maxDelay
			s.round(t0, oneConnectorSixTasks, "w1", "w1")
			res := s.round(t0.Add(time.Second), oneConnectorSixTasks, "w1", "w1", "w2")
			if got := res.Assignments["w1"].Revoked.Tasks; len(got) != 3 {
				t.Fatalf("first revoking round revoked %v", got)
			}

			// w3 joins before the follow-up: a second revoking round in a row.
			now := t0.Add(2 * time.Second)
			res = s.round(now, oneConnectorSixTasks, "w1", "w1", "w2", "w3")
			wantDelay(t, res, tt.wantDelay)
			if tt.wantDelay > 0 {
				wantNoRevocations(t, res)
				if st := s.states["w1"]; st.SuccessiveRevokingRebalances != 1 || !st.ScheduledRebalance.Equal(now.Add(tt.wantDelay)) {
					t.Fatalf("state %+v", st)
				}
				// After the backoff the revocation goes through.
				res = s.round(now.Add(tt.wantDelay), oneConnectorSixTasks, "w1", "w1", "w2", "w3")
				wantDelay(t, res, 0)
			}
			if got := res.Assignments["w1"].Revoked.Tasks; len(got) != 1 {
				t.Fatalf("w1 revoked %v, want one task", got)
			}
			s.round(now.Add(time.Second), oneConnectorSixTasks, "w1", "w1", "w2", "w3")
			if _, k := counts(s, "w1", "w2", "w3"); !reflect.DeepEqual(k, []int{2, 2, 2}) {
				t.Fatalf("tasks %v after converging", k)
			}
		})
	}
}

func TestCooperativeMaxDelayZeroReassignsAtOnce(t *testing.T) {
	s := newSim(t)
	s.maxDelay = 0
	s.round(t0, oneConnectorSixTasks, "w1", "w1", "w2", "w3")
	s.crash("w3")
	res := s.round(t0.Add(time.Second), oneConnectorSixTasks, "w1", "w1", "w2")
	wantDelay(t, res, 0)
	if _, k := counts(s, "w1", "w2"); !reflect.DeepEqual(k, []int{3, 3}) {
		t.Fatalf("tasks %v", k)
	}
}

func TestCooperativeMissedAssignmentReassignedAtOnce(t *testing.T) {
	s := newSim(t)
	s.round(t0, oneConnectorSixTasks, "w1", "w1", "w2")
	// w2 missed its assignment (it advertises nothing) but is still a member: no delay.
	delete(s.running, "w2")
	res := s.round(t0.Add(time.Second), oneConnectorSixTasks, "w1", "w1", "w2")
	wantDelay(t, res, 0)
	if n := len(s.runs("w1").Tasks) + len(s.runs("w2").Tasks); n != 6 {
		t.Fatalf("%d tasks running", n)
	}
}

func TestRevokingBackoff(t *testing.T) {
	for _, tt := range []struct {
		n    int
		max  time.Duration
		want time.Duration
	}{
		{1, maxDelay, 40 * time.Millisecond},
		{2, maxDelay, 1600 * time.Millisecond},
		{3, maxDelay, 64 * time.Second},
		{1, 0, 0},
		{5, time.Millisecond, time.Millisecond},
		{2, time.Second, time.Second},
	} {
		if got := revokingBackoff(tt.n, tt.max); got != tt.want {
			t.Errorf("backoff(%d, %v) = %v, want %v", tt.n, tt.max, got, tt.want)
		}
	}
	// Past the cap the floating point formula lands on the max, give or take its last millisecond.
	for _, n := range []int{4, 10} {
		if got := revokingBackoff(n, maxDelay); got < maxDelay-time.Millisecond || got > maxDelay {
			t.Errorf("backoff(%d) = %v, want about %v", n, got, maxDelay)
		}
	}
}
