package worker_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/test/workertest"
)

// A steady stream of creates on the leader must not hold up the rebalances the creates cause. Each create makes
// the followers rejoin; the leader hears of the round on its next heartbeat and must join it between two requests,
// not once the stream ends: the followers wait in JoinGroup meanwhile (and kfake, unlike Kafka, expels members
// waiting in JoinGroup after the session timeout, never answering them).
func TestRebalanceDuringCreateBurst(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, fastGroup(3, "0")...)
	// The leader is the one worker that takes connector configs; a probe created through it also shows that
	// the group has formed.
	ctx, stop := context.WithCancel(context.Background())
	source := func(name string) map[string]string {
		return map[string]string{"name": name, "connector.class": connectortest.SourceClass, "tasks.max": "1", "topic": "burst"}
	}
	lead := -1
	workertest.WaitFor(t, c.Eventually(), "a leader takes connector configs", func() bool {
		for i := range 3 {
			if _, err := c.Node(i).Worker.CreateConnector(ctx, "probe", source("probe"), ""); err == nil {
				lead = i
				return true
			}
		}
		return false
	})
	c.WaitRunning(lead, "probe", 1)
	leader := c.Node(lead).Worker
	followers := map[string]bool{}
	for i := range 3 {
		if i != lead {
			followers[workerID(c, i)] = true
		}
	}

	var wg sync.WaitGroup
	var created atomic.Int64
	defer func() { stop(); wg.Wait() }()
	for i := range 16 { // as many parallel clients as the load harness
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ctx.Err() == nil; j++ {
				name := fmt.Sprintf("burst-%d-%d", i, j)
				if _, err := leader.CreateConnector(ctx, name, source(name), records.TargetStopped); err != nil {
					if ctx.Err() == nil {
						t.Errorf("create %s: %v", name, err)
						stop()
					}
					return
				}
				created.Add(1)
			}
		}()
	}

	// Without the leader rejoining during the stream, the followers own at most the connectors of the round
	// that started it, and the stream goes on until this wait ends: so the wait has no deadline of its own,
	// only the budget for "eventually", and how fast a loaded machine creates connectors does not matter. Read
	// from a follower's store: the followers write STOPPED statuses for what they own. (Polled, not a
	// WaitStore: a failed create ends the wait without a write to the store.)
	const want = 150
	workertest.WaitFor(t, c.Eventually(), fmt.Sprintf("followers own %d connectors while creates go on", want), func() bool {
		if ctx.Err() != nil {
			return true // a create failed; reported above
		}
		owned := 0
		store := c.Node(1).Worker.Store()
		for _, conn := range store.Connectors() {
			if st, ok := store.ConnectorStatus(conn.Name); ok && st.State == records.StateStopped && followers[st.WorkerID] {
				owned++
			}
		}
		return owned >= want
	})
	stop()
	wg.Wait()
	t.Logf("%d connectors created", created.Load())
}
