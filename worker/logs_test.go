package worker_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/connectd/connectd/api/loglevel"
	"github.com/connectd/connectd/test/workertest"
)

// lockedBuffer collects log lines written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSuffix(b.buf.String(), "\n"), "\n")
}

// A worker logs as cmd/connectd sets it up (a loglevel registry over a text handler): the group member's
// logger derives from the herder's through the membership, and its lines name one component, "group".
func TestLogLinesNameOneComponent(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	c := workertest.NewCluster(t, workertest.LogHandler(loglevel.New().Handler(slog.NewTextHandler(&out, nil))))
	var joined string
	workertest.WaitFor(t, c.Eventually(), "the worker joins its group", func() bool {
		for _, l := range out.lines() {
			if strings.Contains(l, `msg="joined group"`) {
				joined = l
				return true
			}
		}
		return false
	})
	if n := strings.Count(joined, " component="); n != 1 || !strings.Contains(joined, " component=group ") {
		t.Errorf("joined-group line has %d components: %s", n, joined)
	}
	c.StopWorker(0)
	for _, l := range out.lines() {
		if strings.Count(l, " component=") > 1 || strings.Count(l, " topic=") > 1 {
			t.Errorf("line repeats an attribute: %s", l)
		}
	}
}
