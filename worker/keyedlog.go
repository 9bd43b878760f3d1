package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/kafkaclient"
	"github.com/connectd/connectd/worker/kafkalog"
)

// keyedLogs opens the connector.KeyedLogs of one task and closes those the task left open once it has stopped,
// so that no reader outlives its task.
type keyedLogs struct {
	cfg    config.Config
	prefix string // client id prefix
	log    *slog.Logger

	mu     sync.Mutex
	open   []*keyedLog
	closed bool
}

// OpenKeyedLog implements connector.KeyedLogOpener with the worker's Kafka client settings and kafkalog.
func (ks *keyedLogs) OpenKeyedLog(ctx context.Context, spec connector.KeyedLogSpec) (connector.KeyedLog, error) {
	if spec.Topic == "" || spec.OnRecord == nil {
		return nil, errors.New("keyed log: a topic and OnRecord are required")
	}
	scfg, err := keyedLogConfig(ks.cfg, ks.prefix+spec.Topic)
	if err != nil {
		return nil, err
	}
	bootstrap := spec.Bootstrap
	if len(bootstrap) == 0 {
		bootstrap = ks.cfg.BootstrapServers
	}
	client, err := kafkaclient.New(ctx, bootstrap, scfg, ks.log)
	if err != nil {
		return nil, fmt.Errorf("keyed log %s: %w", spec.Topic, err)
	}
	if err := createCompacted(client, spec.Topic); err != nil {
		client.Close()
		return nil, fmt.Errorf("keyed log %s: %w", spec.Topic, err)
	}
	l, err := kafkalog.New(kafkalog.Config{Topic: spec.Topic, Client: client, Logger: ks.log,
		OnRecord: func(r kafkalog.Record) { spec.OnRecord(r.Key, r.Value) }})
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("keyed log %s: %w", spec.Topic, err)
	}
	kl := &keyedLog{l: l, client: client, done: make(chan struct{})}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.closed {
		_ = l.Close()
		client.Close()
		return nil, errors.New("keyed log: the task has stopped")
	}
	ks.open = append(ks.open, kl)
	go func() {
		defer close(kl.done)
		_ = l.Run(context.Background()) // ends when Close closes the log
	}()
	return kl, nil
}

// closeAll closes the logs the task left open; no log opens afterwards.
func (ks *keyedLogs) closeAll() {
	ks.mu.Lock()
	open := ks.open
	ks.open, ks.closed = nil, true
	ks.mu.Unlock()
	for _, kl := range open {
		_ = kl.Close()
	}
}

// keyedLogConfig is the client configuration of a keyed log: the worker's own (bootstrap aside), security
// included, prepared for kafkalog.
func keyedLogConfig(cfg config.Config, clientID string) (*sarama.Config, error) {
	scfg, err := cfg.SaramaConfig("")
	if err != nil {
		return nil, err
	}
	kafkalog.ConfigureProducer(scfg)
	scfg.ClientID = clientID
	return scfg, nil
}

// createCompacted creates topic with one partition, the brokers' replication factor and cleanup.policy=compact
// when it is missing. An existing topic is used as it is: a repository topic created by another tool is not
// the worker's to judge.
func createCompacted(client sarama.Client, topic string) error {
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	// Closing admin would close the shared client; it holds nothing else.
	compact := "compact"
	err = admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: -1,
		ConfigEntries: map[string]*string{"cleanup.policy": &compact}}, false)
	if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		return fmt.Errorf("create topic: %w", err)
	}
	return nil
}

// keyedLog is a connector.KeyedLog on kafkalog with a client of its own.
type keyedLog struct {
	l      *kafkalog.Log
	client sarama.Client
	done   chan struct{} // closed when the reader has stopped
	once   sync.Once
}

func (kl *keyedLog) ReadToEnd(ctx context.Context) error { return kl.l.ReadToEnd(ctx) }

func (kl *keyedLog) Append(ctx context.Context, recs ...connector.KeyedRecord) error {
	out := make([]kafkalog.Record, len(recs))
	for i, r := range recs {
		out[i] = kafkalog.Record{Key: r.Key, Value: r.Value}
	}
	return kl.l.SendAll(ctx, out)
}

func (kl *keyedLog) Close() error {
	kl.once.Do(func() {
		_ = kl.l.Close()
		<-kl.done
		kl.client.Close()
	})
	return nil
}
