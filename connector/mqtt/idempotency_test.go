package mqtt

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
)

// TestKafkaRepositoryRemembersKeysAcrossRestarts writes a message, restarts the task, and sends the same
// payload again: the new task read the key back from Kafka and drops the message (acknowledging it).
func TestKafkaRepositoryRemembersKeysAcrossRestarts(t *testing.T) {
	t.Parallel()
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	b := mqtttest.NewBroker(t)
	cfg := baseConfig(b, map[string]string{
		fieldIdempotencyEnabled:    "true",
		fieldIdempotencyRepository: "kafka",
		fieldIdempotencyBootstrap:  strings.Join(kc.ListenAddrs(), ","),
		fieldIdempotencyTopic:      "idem",
	})

	first := &SourceTask{}
	if err := first.Start(context.Background(), taskCtx{}, cfg); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, b, "it-0")
	b.Publish(t, "/mqtt/test/a", []byte(`{"n":1}`), 1)
	recs := pollN(t, first, 1, 10*time.Second)
	commitAll(t, first, recs)
	waitFor(t, 5*time.Second, "acknowledged", func() bool { return b.Inflight("it-0") == 0 })
	if err := first.Stop(context.Background()); err != nil { // flushes the repository's write
		t.Fatal(err)
	}

	second := startTask(t, cfg)
	waitConnected(t, b, "it-0")
	b.Publish(t, "/mqtt/test/a", []byte(`{"n":1}`), 1)
	b.Publish(t, "/mqtt/test/a", []byte(`{"n":2}`), 1)
	got := pollN(t, second, 1, 10*time.Second)
	if len(got) != 1 || string(got[0].Value.(connector.RawJSON)) != `{"n":2}` {
		t.Fatalf("records %v, want only the new payload", got)
	}
	commitAll(t, second, got)
	waitFor(t, 5*time.Second, "the duplicate acknowledged too", func() bool { return b.Inflight("it-0") == 0 })
}
