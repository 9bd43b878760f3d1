package main

import (
	"strings"
	"testing"

	"github.com/connectd/connectd/herder"
)

func TestScaleCount(t *testing.T) {
	status := func(cw string, tasks ...herder.TaskState) herder.ConnectorExpansion {
		return herder.ConnectorExpansion{Status: &herder.ConnectorStateInfo{
			Connector: herder.ConnectorState{State: "RUNNING", WorkerID: cw}, Tasks: tasks}}
	}
	task := func(id int, state, w string) herder.TaskState {
		return herder.TaskState{ID: id, State: state, WorkerID: w}
	}
	all := map[string]herder.ConnectorExpansion{
		"s-0":   status("a", task(0, "RUNNING", "a"), task(1, "RUNNING", "b"), task(2, "UNASSIGNED", "c")),
		"s-1":   status("c", task(0, "RUNNING", "c")),
		"other": status("a", task(0, "RUNNING", "a")),
	}
	per, running, failed := scaleCount(all, "s-", nil)
	if failed != "" || running != 5 || per["a"] != 1 || per["b"] != 1 || per["c"] != 1 || len(per) != 3 {
		t.Errorf("all workers: per %v, running %d, failed %q; want one task on each of a, b, c and 5 running", per, running, failed)
	}
	// What a dead worker still shows as RUNNING does not count.
	gone := &workerProc{port: 1}
	all["s-1"] = status(gone.id(), task(0, "RUNNING", gone.id()))
	per, running, _ = scaleCount(all, "s-", gone)
	if running != 3 || len(per) != 2 {
		t.Errorf("without %s: per %v, running %d; want 3 running on a and b", gone.id(), per, running)
	}
	all["s-2"] = status("a", herder.TaskState{ID: 0, State: "FAILED", WorkerID: "a", Trace: "boom\nat x"})
	if _, _, failed = scaleCount(all, "s-", nil); !strings.Contains(failed, "s-2 task 0 FAILED: boom") || strings.Contains(failed, "at x") {
		t.Errorf("failed = %q, want the FAILED task and the first line of its trace", failed)
	}
}

func TestScaleReport(t *testing.T) {
	s := &Scale{Connectors: 1000, Tasks: 3000, MQTTConnectionsPerTask: "4 (default)", CreateS: 15.3, RunningS: 0.5, TotalS: 15.8,
		Idle:   []ScaleWorker{{Name: "w1", RSSMB: 24}, {Name: "w2", RSSMB: 24}, {Name: "w3", RSSMB: 24}},
		Loaded: []ScaleWorker{{Name: "w1", RSSMB: 408, Goroutines: 50094}, {Name: "w2", RSSMB: 399}, {Name: "w3", RSSMB: 432}},
		Killed: "w3", KilledRan: 1000, FailoverS: 12.5, RSSPer100TasksMB: 38.91}
	s.List.Requests, s.List.P50Ms, s.List.P99Ms = 200, 6, 23.6
	// The goals grade the largest size, wherever it is in the list.
	r := &Report{Scale: []*Scale{{Connectors: 100, Tasks: 300}, s, {Connectors: 300, Tasks: 900}}}
	r.scaleGoals()
	if len(r.Goals) != 2 {
		t.Fatalf("goals %+v, want failover and list", r.Goals)
	}
	if g := r.Goals[0]; g.Met == nil || *g.Met || !strings.Contains(g.Name, "1,000 connectors, 3,000 tasks") {
		t.Errorf("failover goal %+v: want the largest size, not met at 12.5 s", g)
	}
	if g := r.Goals[1]; g.Met == nil || !*g.Met || !strings.Contains(g.Measured, "23.6 ms") {
		t.Errorf("list goal %+v: want met at 23.6 ms", g)
	}
	md := r.scaleMarkdown()
	for _, want := range []string{"## Scale", "| 1,000 | 3,000 | 15.3 | 0.5 | 15.8 | 24 / 24 / 24 | 408 / 399 / 432 |", "| 38.91 | 50094 / 0 / 0 |", "| 12.5 (1000) |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
