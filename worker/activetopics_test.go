package worker_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/test/workertest"
)

// waitTopics waits until GET /connectors/{name}/topics answers want.
func waitTopics(t *testing.T, c *workertest.Cluster, name, want, what string) {
	t.Helper()
	c.WaitStore(0, what, func(*storage.Store) bool {
		_, body := c.Do(0, http.MethodGet, "/connectors/"+name+"/topics", nil)
		return string(body) == want
	})
}

// TestSinkRecordsActiveTopics: a sink task records the topics it consumes (KIP-558) as Kafka Connect's
// WorkerSinkTask does, and records a topic again after a reset when it consumes it again.
func TestSinkRecordsActiveTopics(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register))
	createTopic(t, c, "sink-topics-in", 2)
	produce(t, c, "sink-topics-in", values("a", 0, 4)...)
	createSink(t, c, "sink-topics", "sink-topics-in", 1)
	waitCollected(t, "sink-topics", 4)

	listed := `{"sink-topics":{"topics":["sink-topics-in"]}}`
	waitTopics(t, c, "sink-topics", listed, "sink topic listed")

	status, body := c.Do(0, http.MethodPut, "/connectors/sink-topics/topics/reset", nil)
	expect(t, "topics reset", status, body, 202, "")
	waitTopics(t, c, "sink-topics", `{"sink-topics":{"topics":[]}}`, "topics reset")

	produce(t, c, "sink-topics-in", values("b", 0, 2)...)
	waitCollected(t, "sink-topics", 6)
	waitTopics(t, c, "sink-topics", listed, "sink topic listed again after reset")
}

// TestSourceRecordsActiveTopicAgainAfterReset: as in Kafka Connect, the status topic is the memory of which
// topics a task has used, so a running source task records a topic again when it writes to it after a reset.
func TestSourceRecordsActiveTopicAgainAfterReset(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t)
	in := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(in, []byte("a\nb\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	status, body := c.Do(0, http.MethodPost, "/connectors", sourceConfig("src-topics", in, "src-topics-out"))
	expect(t, "create", status, body, 201, "")
	// Both lines must be acknowledged before the reset: the lines may go to different partitions, and a line
	// acknowledged after the reset records the topic again, as in Kafka Connect. The offset is committed only
	// after Kafka acknowledged the line.
	offsets := fmt.Sprintf(`{"offsets":[{"partition":{"filename":%q},"offset":{"position":4}}]}`, in)
	c.WaitStore(0, "both lines committed", func(*storage.Store) bool {
		_, body := c.Do(0, http.MethodGet, "/connectors/src-topics/offsets", nil)
		return string(body) == offsets
	})
	listed := `{"src-topics":{"topics":["src-topics-out"]}}`
	waitTopics(t, c, "src-topics", listed, "source topic listed")

	status, body = c.Do(0, http.MethodPut, "/connectors/src-topics/topics/reset", nil)
	expect(t, "topics reset", status, body, 202, "")
	waitTopics(t, c, "src-topics", `{"src-topics":{"topics":[]}}`, "topics reset")

	f, err := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("c\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	waitTopics(t, c, "src-topics", listed, "source topic listed again after reset")
}
