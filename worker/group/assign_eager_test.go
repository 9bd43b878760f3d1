package group

import (
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

func members(offset int64, ids ...string) map[string]Metadata {
	out := make(map[string]Metadata, len(ids))
	for _, id := range ids {
		out[id] = Metadata{URL: "http://" + id + "/", ConfigOffset: offset}
	}
	return out
}

func TestAssignEager(t *testing.T) {
	six := Snapshot{Offset: 10, Tasks: map[string]int{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1}}
	tests := []struct {
		name    string
		members map[string]Metadata
		snap    Snapshot
		want    map[string]Allocation
	}{
		{
			name:    "one connector with six tasks: connector then tasks continue the rotation",
			members: members(10, "w3", "w1", "w2"),
			snap:    Snapshot{Offset: 10, Tasks: map[string]int{"c": 6}},
			want: map[string]Allocation{
				"w1": {Connectors: []string{"c"}, Tasks: []connector.TaskID{tid("c", 2), tid("c", 5)}},
				"w2": {Tasks: []connector.TaskID{tid("c", 0), tid("c", 3)}},
				"w3": {Tasks: []connector.TaskID{tid("c", 1), tid("c", 4)}},
			},
		},
		{
			name:    "six single-task connectors",
			members: members(10, "w1", "w2", "w3"),
			snap:    six,
			want: map[string]Allocation{
				"w1": {Connectors: []string{"a", "d"}, Tasks: []connector.TaskID{tid("a", 0), tid("d", 0)}},
				"w2": {Connectors: []string{"b", "e"}, Tasks: []connector.TaskID{tid("b", 0), tid("e", 0)}},
				"w3": {Connectors: []string{"c", "f"}, Tasks: []connector.TaskID{tid("c", 0), tid("f", 0)}},
			},
		},
		{
			name:    "round robin carries over between connectors and ignores current allocations",
			members: members(10, "w1", "w2"),
			snap:    Snapshot{Offset: 10, Tasks: map[string]int{"x": 2, "y": 0, "z": 1}},
			want: map[string]Allocation{
				"w1": {Connectors: []string{"x", "z"}, Tasks: []connector.TaskID{tid("x", 1)}},
				"w2": {Connectors: []string{"y"}, Tasks: []connector.TaskID{tid("x", 0), tid("z", 0)}},
			},
		},
		{
			name:    "no connectors",
			members: members(10, "w1", "w2"),
			snap:    Snapshot{Offset: 10},
			want:    map[string]Allocation{"w1": {}, "w2": {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := AssignEager("w1", tt.members, tt.snap)
			if len(res.Assignments) != len(tt.want) {
				t.Fatalf("%d assignments, want %d", len(res.Assignments), len(tt.want))
			}
			for id, want := range tt.want {
				a := res.Assignments[id]
				if a.Version != 0 || a.Error != NoError || a.Leader != "w1" || a.LeaderURL != "http://w1/" || a.ConfigOffset != 10 {
					t.Errorf("%s header = %+v", id, a)
				}
				if !reflect.DeepEqual(a.Assigned, want) {
					t.Errorf("%s assigned %+v, want %+v", id, a.Assigned, want)
				}
				if !a.Revoked.IsEmpty() || a.Delay != 0 {
					t.Errorf("%s revoked %+v delay %d", id, a.Revoked, a.Delay)
				}
				for _, c := range want.Connectors {
					if got := res.Leader.ConnectorOwnerURL(c); got != "http://"+id+"/" {
						t.Errorf("owner of %s = %q", c, got)
					}
				}
				for _, task := range want.Tasks {
					if got := res.Leader.TaskOwnerURL(task); got != "http://"+id+"/" {
						t.Errorf("owner of %v = %q", task, got)
					}
				}
			}
		})
	}
}

func TestAssignConfigMismatch(t *testing.T) {
	ms := members(10, "w1", "w2")
	ms["w2"] = Metadata{URL: "http://w2/", ConfigOffset: 15}
	snap := Snapshot{Offset: 12, Tasks: map[string]int{"c": 2}}

	check := func(t *testing.T, res Result, version int16) {
		t.Helper()
		if res.Leader != nil {
			t.Error("leader state after a config mismatch")
		}
		for _, id := range []string{"w1", "w2"} {
			a := res.Assignments[id]
			want := Assignment{Version: version, Error: ConfigMismatch, Leader: "w1", LeaderURL: "http://w1/", ConfigOffset: 15}
			if !reflect.DeepEqual(a, want) {
				t.Errorf("%s = %+v, want %+v", id, a, want)
			}
		}
	}
	t.Run("eager", func(t *testing.T) { check(t, AssignEager("w1", ms, snap), 0) })
	t.Run("cooperative keeps its state", func(t *testing.T) {
		prev := CooperativeState{PreviousGeneration: 4, PreviousMembers: []string{"w1"}, RevokedInPrevious: true}
		res, st := AssignCooperative(CooperativeInput{
			LeaderID: "w1", Version: 2, Members: ms, Snapshot: snap, Generation: 5, LastCompletedGeneration: 4, Now: t0,
		}, prev)
		check(t, res, 2)
		if !reflect.DeepEqual(st, prev) {
			t.Errorf("state changed: %+v", st)
		}
	})
	t.Run("a leader ahead of every member assigns at its own offset", func(t *testing.T) {
		res := AssignEager("w1", ms, Snapshot{Offset: 20, Tasks: map[string]int{"c": 2}})
		if a := res.Assignments["w2"]; a.Error != NoError || a.ConfigOffset != 20 {
			t.Errorf("w2 = %+v", a)
		}
	})
}

func TestAssignorDispatch(t *testing.T) {
	in := LeaderInput{Generation: 1, LastCompletedGeneration: -1, LeaderID: "w1", Members: members(3, "w1", "w2")}
	snap := Snapshot{Offset: 3, Tasks: map[string]int{"c": 2}}
	for _, tt := range []struct {
		protocol string
		version  int16
	}{{ProtocolDefault, 0}, {ProtocolCompatible, 1}, {ProtocolSessioned, 2}} {
		a := &Assignor{}
		in.Protocol = tt.protocol
		res, err := a.Assign(in, snap, t0)
		if err != nil {
			t.Fatal(err)
		}
		for id, as := range res.Assignments {
			if as.Version != tt.version {
				t.Errorf("%s: %s got version %d", tt.protocol, id, as.Version)
			}
		}
		if got := a.State().PreviousGeneration; tt.version > 0 && got != 1 {
			t.Errorf("%s: cooperative state not kept (generation %d)", tt.protocol, got)
		}
	}
	a := &Assignor{}
	in.Protocol = "range"
	if _, err := a.Assign(in, snap, t0); err == nil {
		t.Error("unknown protocol accepted")
	}
	in.Protocol, in.LeaderID = ProtocolSessioned, "nobody"
	if _, err := a.Assign(in, snap, t0); err == nil {
		t.Error("leader outside the members accepted")
	}
}
