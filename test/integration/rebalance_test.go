//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The 409 texts Kafka Connect answers while the group rebalances or the leader is unknown, and its text for a
// worker that is stopping (a 500 in Kafka Connect, a 409 here: see COMPATIBILITY.md).
var rebalanceConflicts = []string{
	"Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.",
	"Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
	"Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)",
	"Worker is shutting down",
}

// restCall is one request a client sends during the scenario and the answers it accepts besides a 409 for a
// rebalance.
type restCall struct {
	method, path string
	body         any
	ok           []int
}

// restAnswers accounts for every answer of the scenario.
type restAnswers struct {
	mu        sync.Mutex
	total     int
	conflicts int
	slowest   time.Duration
	bad       []string // answers outside the contract, for the failure message
}

func (a *restAnswers) add(c restCall, w *worker, code int, body []byte, err error, took time.Duration) (accepted bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.total++
	a.slowest = max(a.slowest, took)
	what := fmt.Sprintf("%s %s via %s", c.method, c.path, w.name())
	switch {
	case err != nil:
		// The client's timeout is the reference's 90-s request limit: an error here is a request that hung,
		// or a worker that dropped it.
		a.bad = append(a.bad, fmt.Sprintf("%s: %v after %v", what, err, took.Round(time.Millisecond)))
		return false
	case slices.Contains(c.ok, code):
		return true
	case code == http.StatusConflict:
		var em struct {
			ErrorCode int    `json:"error_code"`
			Message   string `json:"message"`
		}
		if json.Unmarshal(body, &em) == nil && em.ErrorCode == http.StatusConflict && slices.Contains(rebalanceConflicts, em.Message) {
			a.conflicts++
			return false
		}
	}
	a.bad = append(a.bad, fmt.Sprintf("%s: %d %s", what, code, body))
	return false
}

// restDuringRebalance keeps six clients sending reads and writes to every worker while the group rebalances
// again and again: connectors are created and deleted, each worker in turn (the leader included) is stopped
// and started, twice. Every answer must be a success or the reference's 409, and none may take the 90-s limit.
func restDuringRebalance(t *testing.T, e *env) {
	res := result{Scenario: "rest-during-rebalance", Recovery: "-"}
	defer func() {
		res.Pass = !t.Failed()
		record(res)
	}()
	if err := e.waitWorkers(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	input := filepath.Join(e.run, "rebalance.txt")
	if err := os.WriteFile(input, []byte("{\"seq\":0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := createTopic("it-rebalance"); err != nil {
		t.Fatal(err)
	}
	fileConfig := func() map[string]string {
		return map[string]string{"connector.class": "FileStreamSource", "file": input, "topic": "it-rebalance", "tasks.max": "1"}
	}
	bases := []string{"it-rr-base-0", "it-rr-base-1", "it-rr-base-2"}
	for _, b := range bases {
		e.mustREST(t, http.MethodPut, "/connectors/"+b+"/config", fileConfig(), 200, 201)
	}
	for _, b := range bases {
		e.waitStatus(t, b, 2*time.Minute, "RUNNING", running(1))
	}

	// ready holds the workers clients may use: a worker being stopped leaves it first, a started one joins
	// it once it answers.
	var readyMu sync.Mutex
	ready := map[int]bool{0: true, 1: true, 2: true}
	pick := func(r *rand.Rand) *worker {
		readyMu.Lock()
		defer readyMu.Unlock()
		var ws []*worker
		for _, w := range e.workers {
			if ready[w.index] {
				ws = append(ws, w)
			}
		}
		if len(ws) == 0 {
			return nil
		}
		return ws[r.IntN(len(ws))]
	}
	setReady := func(i int, v bool) {
		readyMu.Lock()
		defer readyMu.Unlock()
		ready[i] = v
	}

	answers := &restAnswers{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	const clients = 6
	var createdMu sync.Mutex
	created := map[string]bool{} // connectors a client created and has not yet seen deleted
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 42))
			send := func(call restCall) bool {
				w := pick(r)
				if w == nil {
					return false
				}
				start := time.Now()
				code, body, err := e.do(call.method, w.url(call.path), call.body)
				return answers.add(call, w, code, body, err, time.Since(start))
			}
			for k := 0; ctx.Err() == nil; k++ {
				base := bases[r.IntN(len(bases))]
				reads := []restCall{
					{method: http.MethodGet, path: "/connectors", ok: []int{200}},
					{method: http.MethodGet, path: "/connectors?expand=status&expand=info", ok: []int{200}},
					{method: http.MethodGet, path: "/connectors/" + base, ok: []int{200}},
					{method: http.MethodGet, path: "/connectors/" + base + "/config", ok: []int{200}},
					{method: http.MethodGet, path: "/connectors/" + base + "/status", ok: []int{200}},
					{method: http.MethodGet, path: "/connectors/" + base + "/tasks", ok: []int{200}},
					{method: http.MethodGet, path: "/connectors/" + base + "/tasks/0/status", ok: []int{200}},
					{method: http.MethodGet, path: "/connectors/" + base + "/topics", ok: []int{200}},
				}
				send(reads[r.IntN(len(reads))])
				switch k % 4 {
				case 1:
					// Restarts are forwarded to the leader, then to the owner: the two hops a rebalance disturbs.
					send(restCall{method: http.MethodPost, path: "/connectors/" + base + "/restart?includeTasks=true", ok: []int{202}})
				case 2:
					send(restCall{method: http.MethodPut, path: "/connectors/" + base + "/config", body: fileConfig(), ok: []int{200}})
				case 3:
					// A connector of this client's own, created and deleted: two config writes, two rebalances.
					name := fmt.Sprintf("it-rr-c%d-%d", c, k)
					create := restCall{method: http.MethodPost, path: "/connectors", ok: []int{201},
						body: map[string]any{"name": name, "config": fileConfig()}}
					if !send(create) {
						continue
					}
					createdMu.Lock()
					created[name] = true
					createdMu.Unlock()
					// Deleted until done: a 409 leaves it in place, and the check below finds any left over.
					for ctx.Err() == nil {
						if send(restCall{method: http.MethodDelete, path: "/connectors/" + name, ok: []int{204}}) {
							createdMu.Lock()
							delete(created, name)
							createdMu.Unlock()
							break
						}
					}
				}
			}
		}()
	}

	// Each worker in turn, the leader among them, is stopped and started while the clients run, twice over:
	// twelve rebalances besides those of the clients' own creates and deletes.
	start := time.Now()
	const rounds = 2
	for i := range rounds * len(e.workers) {
		w := e.workers[i%len(e.workers)]
		setReady(w.index, false)
		w.stop(syscall.SIGTERM)
		for _, b := range bases {
			e.waitStatus(t, b, 2*time.Minute, "RUNNING without "+w.name(), func(s connectorStatus) bool {
				return running(1)(s) && s.Tasks[0].WorkerID != w.id() && s.Connector.WorkerID != w.id()
			})
		}
		if err := w.start(); err != nil {
			t.Fatal(err)
		}
		if err := e.waitWorkers(2 * time.Minute); err != nil {
			t.Fatal(err)
		}
		setReady(w.index, true)
	}
	cancel()
	wg.Wait()
	res.Recovery = fmt.Sprintf("slowest %v", answers.slowest.Round(time.Millisecond))

	answers.mu.Lock()
	res.Sent = answers.total
	res.Received = answers.total - len(answers.bad)
	res.Lost = len(answers.bad)
	res.Notes = fmt.Sprintf("%d requests from %d clients over %v while each worker was stopped and started %d times; %d answered 409",
		answers.total, clients, time.Since(start).Round(time.Second), rounds, answers.conflicts)
	if len(answers.bad) > 0 {
		shown := answers.bad[:min(len(answers.bad), 20)]
		t.Errorf("%d answers neither a success nor a rebalance 409:\n%s", len(answers.bad), strings.Join(shown, "\n"))
	}
	if answers.total == 0 {
		t.Error(errors.New("no request was sent"))
	}
	answers.mu.Unlock()

	for _, b := range bases {
		e.waitStatus(t, b, 2*time.Minute, "RUNNING", running(1))
	}
	// Creates whose delete was cut short by the end of the scenario are deleted now (a delete answered outside
	// the contract, reported above, may have landed all the same); nothing else of the clients may be left.
	for name := range created {
		e.mustREST(t, http.MethodDelete, "/connectors/"+name, nil, 204, 404)
	}
	// Every worker must come to the same answer once it has read the deletes.
	var left []string
	err := poll(context.Background(), time.Minute, func() (bool, error) {
		left = left[:0]
		for _, w := range e.workers {
			var names []string
			code, b, err := e.do(http.MethodGet, w.url("/connectors"), nil)
			if err != nil || code != http.StatusOK || json.Unmarshal(b, &names) != nil {
				return false, nil
			}
			for _, n := range names {
				if strings.HasPrefix(n, "it-rr-c") {
					left = append(left, w.name()+":"+n)
				}
			}
		}
		return len(left) == 0, nil
	})
	if err != nil {
		sort.Strings(left)
		t.Errorf("connectors left by the clients: %v", left)
	}
	for _, b := range bases {
		e.mustREST(t, http.MethodDelete, "/connectors/"+b, nil, 204)
	}
}
