package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector/mqtt/spool"
	"github.com/connectd/connectd/test/workertest"
)

// writeSpool leaves a spool of n entries, none shipped, in dir, as a task that stopped with them would.
func writeSpool(t *testing.T, dir string, n int) {
	t.Helper()
	s, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	durable := make(chan error, n)
	for i := range n {
		if _, err := s.Append(ctx, fmt.Appendf(nil, "message %d", i), func(_ uint64, err error) { durable <- err }); err != nil {
			t.Fatal(err)
		}
	}
	for range n {
		if err := <-durable; err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// The worker reports the spools under spool.dir that hold messages no task on it ships: a deleted
// connector's, a task number the connector no longer has, and a stopped connector's, but not the spool of a
// task it runs, nor one that is open (a task of another worker sharing spool.dir).
func TestOrphanedSpoolsAreReported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSpool(t, filepath.Join(dir, "gone", "0"), 5)
	writeSpool(t, filepath.Join(dir, "audited%20one", "0"), 3)
	writeSpool(t, filepath.Join(dir, "audited%20one", "2"), 4)
	// Open, as the spool of a task running on another worker sharing spool.dir would be.
	writeSpool(t, filepath.Join(dir, "elsewhere", "0"), 6)
	live, err := spool.Open(filepath.Join(dir, "elsewhere", "0"), spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Close() })
	c := workertest.NewCluster(t, workertest.Plugins(registerDrain), workertest.WorkerProps(map[string]string{"spool.dir": dir}))
	createDrain(t, c, "audited one", map[string]any{})

	metricsText := func() string {
		status, body := c.Do(0, http.MethodGet, "/metrics", nil)
		if status != http.StatusOK {
			t.Fatalf("GET /metrics: %d %s", status, body)
		}
		return string(body)
	}
	gone := `connectd_spool_orphaned_entries{connector="gone",task="0"} 5`
	fewer := `connectd_spool_orphaned_entries{connector="audited one",task="2"} 4`
	running := `connectd_spool_orphaned_entries{connector="audited one",task="0"}`
	var text string
	// An audit before the task started may report its spool: the reports settle once it runs.
	workertest.WaitFor(t, 30*time.Second, "the orphaned spools in the metrics, not the running task's", func() bool {
		text = metricsText()
		return strings.Contains(text, gone) && strings.Contains(text, fewer) && !strings.Contains(text, running)
	})
	if strings.Contains(text, `connector="elsewhere"`) {
		t.Fatalf("an open spool (its task runs elsewhere) is reported as orphaned:\n%s", text)
	}
	if !strings.Contains(text, `connectd_spool_orphaned_damaged{connector="gone",task="0"} 0`) {
		t.Fatalf("the deleted connector's spool is not reported undamaged:\n%s", text)
	}
	if !strings.Contains(text, `connectd_spool_orphaned_bytes{connector="gone",task="0"} 85`) {
		t.Fatalf("bytes of the deleted connector's spool (5 entries of 9 bytes, 8 bytes of framing each) not reported:\n%s", text)
	}

	stopConnector(t, c, "audited one")
	workertest.WaitFor(t, 30*time.Second, "the stopped task's spool in the metrics", func() bool {
		return strings.Contains(metricsText(), running+" 3")
	})
}
