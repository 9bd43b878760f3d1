package worker_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/connector/connectortest"
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

func place(t testing.TB, c *workertest.Cluster, via int, name string) placement {
	t.Helper()
	status, body := c.Do(via, http.MethodGet, "/connectors/"+name+"/status", nil)
	if status != 200 {
		return placement{}
	}
	var st struct {
		Connector struct {
			State    string `json:"state"`
			WorkerID string `json:"worker_id"`
		} `json:"connector"`
		Tasks []struct {
			State    string `json:"state"`
			WorkerID string `json:"worker_id"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	p := placement{}
	if st.Connector.State == "RUNNING" {
		p.connector = st.Connector.WorkerID
	}
	for _, ts := range st.Tasks {
		if ts.State != "RUNNING" {
			p.tasks = append(p.tasks, "")
			continue
		}
		p.tasks = append(p.tasks, ts.WorkerID)
	}
	return p
}

// spread counts running tasks per worker over connectors, "" when a task is not running.
func spread(t testing.TB, c *workertest.Cluster, via int, names ...string) map[string]int {
	out := map[string]int{}
	for _, n := range names {
		for _, w := range place(t, c, via, n).tasks {
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
	workertest.WaitFor(t, 150*time.Second, "tasks.max=6 spread 2/2/2", func() bool {
		return balanced(spread(t, c, 0, "six"), 3, 2)
	})
	names := []string{"s1", "s2", "s3", "s4", "s5", "s6"}
	for i, n := range names {
		createSource(t, c, i%3, n, 1)
	}
	workertest.WaitFor(t, 150*time.Second, "six single-task connectors spread 2/2/2", func() bool {
		return balanced(spread(t, c, 2, names...), 3, 2)
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
	workertest.WaitFor(t, 150*time.Second, "2/2/2", func() bool { return balanced(spread(t, c, 0, "work"), 3, 2) })

	// Abrupt kill of worker 2: its tasks come back on the survivors after session timeout + delay.
	dead := workerID(c, 2)
	c.KillWorker(2)
	workertest.WaitFor(t, 150*time.Second, "tasks of the killed worker running on survivors", func() bool {
		s := spread(t, c, 0, "work")
		return s[dead] == 0 && balanced(s, 2, 3)
	})

	// A worker joins again: balance returns to 2/2/2, and tasks that stayed put were not restarted.
	before := map[int]int{}
	p := place(t, c, 0, "work")
	for i, w := range p.tasks {
		before[i] = connectortest.Starts.Get(fmt.Sprintf("work-%d", i))
		_ = w
	}
	i := c.StartWorker()
	c.WaitReady(i)
	workertest.WaitFor(t, 150*time.Second, "back to 2/2/2", func() bool { return balanced(spread(t, c, 0, "work"), 3, 2) })
	after := place(t, c, 0, "work")
	for task, w := range after.tasks {
		if w == p.tasks[task] && connectortest.Starts.Get(fmt.Sprintf("work-%d", task)) != before[task] {
			t.Errorf("task %d stayed on %s but was restarted", task, w)
		}
	}

	// Graceful stop of the leader (worker 0 is leader: it joined first): work moves at once, and a new leader
	// accepts writes through any survivor.
	c.StopWorker(0)
	workertest.WaitFor(t, 150*time.Second, "work moved after graceful stop", func() bool { return balanced(spread(t, c, 1, "work"), 2, 3) })
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
	wantJSON, _ := json.Marshal(want)
	for i := range 3 {
		workertest.WaitFor(t, 150*time.Second, fmt.Sprintf("worker %d sees every connector", i), func() bool {
			_, body := c.Do(i, http.MethodGet, "/connectors", nil)
			var got []string
			if json.Unmarshal(body, &got) != nil {
				return false
			}
			sort.Strings(got)
			b, _ := json.Marshal(got)
			return string(b) == string(wantJSON)
		})
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
			workertest.WaitFor(t, 150*time.Second, n+" running on live workers", func() bool {
				p := place(t, c, other, n)
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
	workertest.WaitFor(t, 150*time.Second, "1/1/1", func() bool { return balanced(spread(t, c, 1, "lk"), 3, 1) })
	// Worker 0 joined the group first, so the coordinator made it the leader; kill it without a LeaveGroup.
	c.KillWorker(0)
	workertest.WaitFor(t, 150*time.Second, "tasks on the two survivors", func() bool {
		s := spread(t, c, 1, "lk")
		return s[workerID(c, 1)]+s[workerID(c, 2)] == 3 && s[""] == 0
	})
	for _, via := range []int{1, 2} {
		name := fmt.Sprintf("after-kill-%d", via)
		createSource(t, c, via, name, 1)
		c.WaitRunning(via, name, 1)
	}
}
