package worker

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker/config"
)

func keyedLogTestConfig(t *testing.T, props map[string]string) config.Config {
	t.Helper()
	all := map[string]string{
		"group.id": "g", "config.storage.topic": "c", "offset.storage.topic": "o", "status.storage.topic": "s",
		"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	}
	for k, v := range props {
		all[k] = v
	}
	c, _, err := config.ParseConfig(all)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A keyed log connects with the worker's client settings: its security protocol, SASL and TLS, not a
// plaintext client of its own.
func TestKeyedLogUsesTheWorkersSecurity(t *testing.T) {
	c := keyedLogTestConfig(t, map[string]string{
		"bootstrap.servers": "k:9093",
		"security.protocol": "SASL_SSL",
		"sasl.mechanism":    "PLAIN",
		"sasl.jaas.config":  `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cr3t";`,
	})
	scfg, err := keyedLogConfig(c, "repo-client")
	if err != nil {
		t.Fatal(err)
	}
	if !scfg.Net.TLS.Enable || !scfg.Net.SASL.Enable || scfg.Net.SASL.Mechanism != sarama.SASLTypePlaintext ||
		scfg.Net.SASL.User != "alice" || scfg.Net.SASL.Password != "s3cr3t" {
		t.Errorf("TLS %v, SASL %v %s user %q: the worker's security settings were not applied",
			scfg.Net.TLS.Enable, scfg.Net.SASL.Enable, scfg.Net.SASL.Mechanism, scfg.Net.SASL.User)
	}
	if scfg.Producer.RequiredAcks != sarama.WaitForAll || scfg.ClientID != "repo-client" {
		t.Errorf("acks %v, client id %q: not prepared for kafkalog", scfg.Producer.RequiredAcks, scfg.ClientID)
	}
}

// keys collects the keys a keyed log delivers.
type keys struct {
	mu sync.Mutex
	k  []string
}

func (k *keys) add(key, _ []byte) {
	k.mu.Lock()
	k.k = append(k.k, string(key))
	k.mu.Unlock()
}

func (k *keys) get() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.k)
}

// Reading a keyed log to its end finishes although the topic ends with a transaction marker, which no record
// carries the offset of: the end is the offset Kafka lists, not the last record's plus one. Appends are read
// back, and the task's logs are closed with it.
func TestKeyedLogReadsToTheEndPastATransactionMarker(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	addrs := kc.ListenAddrs()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// "a", then "b" in a transaction that is aborted: the topic ends with the abort marker.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.TransactionalID("repo-writer"), kgo.AllowAutoTopicCreation(),
		kgo.DefaultProduceTopic("repo"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte("a"), Value: []byte("add")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte("b"), Value: []byte("add")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if err := cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
		t.Fatal(err)
	}

	ks := &keyedLogs{cfg: keyedLogTestConfig(t, map[string]string{"bootstrap.servers": strings.Join(addrs, ",")}),
		prefix: "test-", log: slog.New(slog.DiscardHandler)}
	defer ks.closeAll()
	var got keys
	kl, err := ks.OpenKeyedLog(ctx, connector.KeyedLogSpec{Topic: "repo", OnRecord: got.add})
	if err != nil {
		t.Fatal(err)
	}
	if err := kl.ReadToEnd(ctx); err != nil {
		t.Fatalf("read to the end: %v", err)
	}
	if k := got.get(); len(k) == 0 || k[0] != "a" {
		t.Fatalf("keys read %v, want a first", k)
	}
	if err := kl.Append(ctx, connector.KeyedRecord{Key: []byte("c"), Value: []byte("add")}); err != nil {
		t.Fatal(err)
	}
	if err := kl.ReadToEnd(ctx); err != nil {
		t.Fatalf("read to the end after an append: %v", err)
	}
	if k := got.get(); k[len(k)-1] != "c" {
		t.Errorf("keys read %v, want the append last", k)
	}

	ks.closeAll()
	if err := kl.ReadToEnd(ctx); err == nil {
		t.Error("the log is still open after its task's logs were closed")
	}
}
