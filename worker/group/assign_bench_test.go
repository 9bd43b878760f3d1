package group

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkAssignCooperative1000 measures the leader's work for a full assignment of 1,000 connectors with
// three tasks each (3,000 tasks) over three workers that own nothing yet.
func BenchmarkAssignCooperative1000(b *testing.B) {
	snap := Snapshot{Offset: 4000, Tasks: map[string]int{}}
	for i := range 1000 {
		snap.Tasks[fmt.Sprintf("connector-%04d", i)] = 3
	}
	members := map[string]Metadata{}
	for i := range 3 {
		members[fmt.Sprintf("connect-w%d", i)] = Metadata{Version: 2, URL: fmt.Sprintf("http://w%d:8083/", i), ConfigOffset: 4000}
	}
	now := time.Now()
	for b.Loop() {
		res, _ := AssignCooperative(CooperativeInput{
			LeaderID: "connect-w0", Version: 2, Members: members, Snapshot: snap,
			Generation: 1, LastCompletedGeneration: 0, Now: now, MaxDelay: 5 * time.Minute,
		}, CooperativeState{})
		if n := len(res.Assignments["connect-w1"].Assigned.Tasks); n != 1000 {
			b.Fatalf("worker 1 got %d tasks, want 1000", n)
		}
	}
}
