package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/test/workertest"
)

// TestClusterInfo checks GET /connectd/cluster on a real group: asked of either worker, it is the leader's
// view, with both workers and the tasks each was assigned; the workers' own views agree on the leader.
func TestClusterInfo(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, fastGroup(2, "0")...)
	createSource(t, c, 0, "two", 2)
	c.WaitRunning(1, "two", 2)
	ids := []string{workerID(c, 0), workerID(c, 1)}
	slices.Sort(ids)
	for via := range 2 {
		var info herder.ClusterInfo
		workertest.WaitFor(t, c.Eventually(), "the cluster view lists both workers with one task each", func() bool {
			status, body := c.Do(via, http.MethodGet, "/connectd/cluster", nil)
			if status != http.StatusOK || json.Unmarshal(body, &info) != nil || len(info.Workers) != 2 {
				return false
			}
			for _, w := range info.Workers {
				if len(w.Tasks) != 1 || w.Tasks[0].Connector != "two" {
					return false
				}
			}
			return true
		})
		if !info.IsLeader || info.Leader != info.WorkerID || info.Generation < 1 || info.LeaderURL == "" {
			t.Errorf("via worker %d: not the leader's view: %+v", via, info)
		}
		got := []string{info.Workers[0].ID, info.Workers[1].ID}
		if !slices.Equal(got, ids) {
			t.Errorf("via worker %d: workers %v, want %v", via, got, ids)
		}
		if tasks := []int{info.Workers[0].Tasks[0].Task, info.Workers[1].Tasks[0].Task}; !slices.Contains(tasks, 0) || !slices.Contains(tasks, 1) {
			t.Errorf("via worker %d: tasks %v, want 0 and 1 on different workers", via, tasks)
		}
		if n := len(info.Workers[0].Connectors) + len(info.Workers[1].Connectors); n != 1 {
			t.Errorf("via worker %d: the connector is assigned %d times", via, n)
		}
	}
	leaders := 0
	var leader string
	for i := range 2 {
		own, err := c.Node(i).Worker.ClusterInfo(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if own.WorkerID != workerID(c, i) {
			t.Errorf("worker %d: worker_id %q", i, own.WorkerID)
		}
		if own.IsLeader {
			leaders++
		} else if len(own.Workers) != 0 {
			t.Errorf("follower %d lists workers: %+v", i, own.Workers)
		}
		if leader != "" && own.Leader != leader {
			t.Errorf("the workers disagree on the leader: %q and %q", leader, own.Leader)
		}
		leader = own.Leader
	}
	if leaders != 1 {
		t.Errorf("%d workers say they lead", leaders)
	}
}
