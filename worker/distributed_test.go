package worker_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/test/workertest"
)

// fastGroup makes failure detection quick enough for tests: a 2 s session and a 2 s hold on lost work.
func fastGroup(workers int, delay string) []workertest.Option {
	return []workertest.Option{
		workertest.Workers(workers),
		workertest.Plugins(connectortest.Register),
		workertest.KafkaOpts(kfake.GroupMinSessionTimeout(100 * time.Millisecond)),
		workertest.WorkerProps(map[string]string{
			"heartbeat.interval.ms":            "300",
			"session.timeout.ms":               "2000",
			"rebalance.timeout.ms":             "10000",
			"scheduled.rebalance.max.delay.ms": delay,
		}),
	}
}

func createSource(t testing.TB, c *workertest.Cluster, via int, name string, tasks int) {
	t.Helper()
	body := map[string]any{"name": name, "config": map[string]any{
		"connector.class": connectortest.SourceClass, "tasks.max": fmt.Sprint(tasks), "topic": "t-" + name}}
	status, resp := c.Do(via, http.MethodPost, "/connectors", body)
	expect(t, "create "+name, status, resp, 201, "")
}

type placement struct {
	connector string
	tasks     []string // worker id per task
}

// place reads where a connector and its tasks run from a worker's store: the worker id of each RUNNING one, ""
// for one that is not running.
func place(s *storage.Store, name string) placement {
	st, ok := workertest.State(s, name)
	if !ok {
		return placement{}
	}
	p := placement{}
	if st.Connector.State == records.StateRunning {
		p.connector = st.Connector.WorkerID
	}
	for _, ts := range st.Tasks {
		if ts.State != records.StateRunning {
			p.tasks = append(p.tasks, "")
			continue
		}
		p.tasks = append(p.tasks, ts.WorkerID)
	}
	return p
}

// spread counts running tasks per worker over connectors, "" when a task is not running.
func spread(s *storage.Store, names ...string) map[string]int {
	out := map[string]int{}
	for _, n := range names {
		for _, w := range place(s, n).tasks {
			out[w]++
		}
	}
	return out
}

func balanced(counts map[string]int, workers, each int) bool {
	if counts[""] > 0 || len(counts) != workers {
		return false
	}
	for _, n := range counts {
		if n != each {
			return false
		}
	}
	return true
}

func workerID(c *workertest.Cluster, i int) string {
	return strings.TrimPrefix(c.Node(i).URL, "http://")
}

func TestDistributedSpreadsTasks(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, fastGroup(3, "2000")...)
	createSource(t, c, 1, "six", 6)
	c.WaitStore(0, "tasks.max=6 spread 2/2/2", func(s *storage.Store) bool { return balanced(spread(s, "six"), 3, 2) })
	names := []string{"s1", "s2", "s3", "s4", "s5", "s6"}
	for i, n := range names {
		createSource(t, c, i%3, n, 1)
	}
	// The assignor balances the count of tasks per worker, over all connectors, not per connector: which of
	// the twelve tasks a worker runs depends on how the creates fell into rounds, so the six single-task
	// connectors alone need not split 2/2/2 (under load they did not, and the wait never ended).
	c.WaitStore(2, "all twelve tasks running, spread 4/4/4", func(s *storage.Store) bool {
		return balanced(spread(s, append(names, "six")...), 3, 4)
	})
}

func TestDistributedForwarding(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, fastGroup(3, "2000")...)
	// Every write goes to every worker in turn; whichever is not the leader forwards it.
	for i := range 3 {
		name := fmt.Sprintf("fwd%d", i)
		createSource(t, c, i, name, 1)
		c.WaitRunning(i, name, 1)
		status, body := c.Do(i, http.MethodPut, "/connectors/"+name+"/config", map[string]any{
			"connector.class": connectortest.SourceClass, "tasks.max": "1", "topic": "other"})
		expect(t, "put via worker", status, body, 200, "")
		status, body = c.Do(i, http.MethodPut, "/connectors/"+name+"/pause", nil)
		expect(t, "pause via worker", status, body, 202, "")
		status, body = c.Do(i, http.MethodPut, "/connectors/"+name+"/resume", nil)
		expect(t, "resume via worker", status, body, 202, "")
		c.WaitRunning(i, name, 1)
		status, body = c.Do(i, http.MethodPost, "/connectors/"+name+"/tasks/0/restart", nil)
		expect(t, "task restart via worker", status, body, 204, "")
		status, body = c.Do(i, http.MethodPost, "/connectors/"+name+"/restart", nil)
		expect(t, "connector restart via worker", status, body, 204, "")
		status, body = c.Do(i, http.MethodPut, "/connectors/"+name+"/stop", nil)
		expect(t, "stop via worker", status, body, 204, "")
		status, body = c.Do(i, http.MethodPatch, "/connectors/"+name+"/offsets", map[string]any{
			"offsets": []any{map[string]any{"partition": map[string]any{"task": "0"}, "offset": map[string]any{"n": 5}}}})
		expect(t, "alter offsets via worker", status, body, 200, "")
		status, body = c.Do(i, http.MethodDelete, "/connectors/"+name, nil)
		expect(t, "delete via worker", status, body, 204, "")
	}
	// forward=false on a follower: Kafka Connect's 409.
	follower := -1
	for i := range 3 {
		status, _ := c.Do(i, http.MethodPost, "/connectors?forward=false", map[string]any{"name": "nf", "config": map[string]any{
			"connector.class": connectortest.SourceClass, "topic": "t"}})
		if status == 409 {
			follower = i
			break
		}
	}
	if follower < 0 {
		t.Fatal("no worker answered 409 to a forward=false write")
	}
	status, body := c.Do(follower, http.MethodPost, "/connectors?forward=false", map[string]any{"name": "nf2", "config": map[string]any{
		"connector.class": connectortest.SourceClass, "topic": "t"}})
	expect(t, "forward=false", status, body, 409, `{"error_code":409,"message":"Cannot complete request because of a conflicting operation (e.g. worker rebalance)"}`)
}

func TestDistributedFailover(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, fastGroup(3, "2000")...)
	createSource(t, c, 0, "work", 6)
	c.WaitStore(0, "2/2/2", func(s *storage.Store) bool { return balanced(spread(s, "work"), 3, 2) })

	// Abrupt kill of worker 2: its tasks come back on the survivors after session timeout + delay.
	dead := workerID(c, 2)
	c.KillWorker(2)
	c.WaitStore(0, "tasks of the killed worker running on survivors", func(s *storage.Store) bool {
		sp := spread(s, "work")
		return sp[dead] == 0 && balanced(sp, 2, 3)
	})

	// A worker joins again: balance returns to 2/2/2, and tasks that stayed put were not restarted.
	before := map[int]int{}
	p := place(c.Node(0).Worker.Store(), "work")
	for i, w := range p.tasks {
		before[i] = connectortest.Starts.Get(fmt.Sprintf("work-%d", i))
		_ = w
	}
	i := c.StartWorker()
	c.WaitReady(i)
	c.WaitStore(0, "back to 2/2/2", func(s *storage.Store) bool { return balanced(spread(s, "work"), 3, 2) })
	after := place(c.Node(0).Worker.Store(), "work")
	for task, w := range after.tasks {
		if w == p.tasks[task] && connectortest.Starts.Get(fmt.Sprintf("work-%d", task)) != before[task] {
			t.Errorf("task %d stayed on %s but was restarted", task, w)
		}
	}

	// Graceful stop of the leader (worker 0 is leader: it joined first): work moves at once, and a new leader
	// accepts writes through any survivor.
	c.StopWorker(0)
	c.WaitStore(1, "work moved after graceful stop", func(s *storage.Store) bool { return balanced(spread(s, "work"), 2, 3) })
	createSource(t, c, 1, "after-leader", 1)
	c.WaitRunning(i, "after-leader", 1)
}

func TestDistributedConcurrentWritesConverge(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, fastGroup(3, "2000")...)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				name := fmt.Sprintf("c-%d-%d", i, j)
				body := map[string]any{"name": name, "config": map[string]any{
					"connector.class": connectortest.SourceClass, "tasks.max": "1", "topic": "t"}}
				status, resp := workertest.Do(t, c.Node(i).URL, http.MethodPost, "/connectors", body)
				if status != 201 {
					t.Errorf("create %s via %d: %d %s", name, i, status, resp)
				}
			}
		}()
	}
	wg.Wait()
	var want []string
	for i := range 3 {
		for j := range 5 {
			want = append(want, fmt.Sprintf("c-%d-%d", i, j))
		}
	}
	sort.Strings(want)
	for i := range 3 {
		c.WaitStore(i, fmt.Sprintf("worker %d sees every connector", i), func(s *storage.Store) bool {
			var got []string
			for _, conn := range s.Connectors() {
				got = append(got, conn.Name)
			}
			sort.Strings(got)
			return slices.Equal(got, want)
		})
		// The REST list is read from the same store.
		_, body := c.Do(i, http.MethodGet, "/connectors", nil)
		var got []string
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("GET /connectors on worker %d: %v: %s", i, err, body)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("GET /connectors on worker %d = %v, want %v", i, got, want)
		}
	}
	for _, n := range want {
		c.WaitRunning(0, n, 1)
	}
}

func TestDistributedRollingRestart(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, fastGroup(3, "0")...)
	for _, n := range []string{"r1", "r2", "r3"} {
		createSource(t, c, 0, n, 2)
	}
	for _, n := range []string{"r1", "r2", "r3"} {
		c.WaitRunning(0, n, 2)
	}
	live := []int{0, 1, 2}
	for k := range 3 {
		c.StopWorker(live[k])
		live[k] = c.StartWorker()
		c.WaitReady(live[k])
		other := live[(k+1)%3]
		for _, n := range []string{"r1", "r2", "r3"} {
			c.WaitStore(other, n+" running on live workers", func(s *storage.Store) bool {
				p := place(s, n)
				if p.connector == "" || len(p.tasks) != 2 {
					return false
				}
				for _, w := range append(p.tasks, p.connector) {
					alive := false
					for _, i := range live {
						alive = alive || w == workerID(c, i)
					}
					if !alive {
						return false
					}
				}
				return true
			})
		}
	}
	status, body := c.Do(live[0], http.MethodGet, "/connectors/r2/config", nil)
	expect(t, "config kept", status, body, 200, `{"connector.class":"io.connectd.test.CountingSourceConnector","name":"r2","tasks.max":"2","topic":"t-r2"}`)
}

func TestDistributedLeaderKilled(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, fastGroup(3, "1000")...)
	createSource(t, c, 1, "lk", 3)
	c.WaitStore(1, "1/1/1", func(s *storage.Store) bool { return balanced(spread(s, "lk"), 3, 1) })
	// Worker 0 joined the group first, so the coordinator made it the leader; kill it without a LeaveGroup.
	c.KillWorker(0)
	c.WaitStore(1, "tasks on the two survivors", func(s *storage.Store) bool {
		sp := spread(s, "lk")
		return sp[workerID(c, 1)]+sp[workerID(c, 2)] == 3 && sp[""] == 0
	})
	for _, via := range []int{1, 2} {
		name := fmt.Sprintf("after-kill-%d", via)
		createSource(t, c, via, name, 1)
		c.WaitRunning(via, name, 1)
	}
}
