package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector/backoff"
)

// New connects to the bootstrap servers, retrying while Kafka is unreachable: a worker started
// before its brokers waits for them, as Kafka Connect does.
func New(ctx context.Context, addrs []string, cfg *sarama.Config, log *slog.Logger) (sarama.Client, error) {
	bo := backoff.Backoff{Base: 200 * time.Millisecond, Max: 5 * time.Second}
	for {
		client, err := sarama.NewClient(addrs, cfg)
		if err == nil {
			return client, nil
		}
		log.Warn("cannot reach kafka, retrying", "bootstrap_servers", addrs, "err", err)
		if bo.Wait(ctx) != nil {
			return nil, fmt.Errorf("connect to kafka %v: %w", addrs, err)
		}
	}
}

// ClusterID asks the controller for the cluster id (Metadata v2+).
func ClusterID(client sarama.Client) (string, error) {
	b, err := client.Controller()
	if err != nil {
		return "", err
	}
	resp, err := b.GetMetadata(&sarama.MetadataRequest{Version: 2})
	if err != nil {
		return "", err
	}
	if resp.ClusterID == nil {
		return "", errors.New("broker did not report a cluster id")
	}
	return *resp.ClusterID, nil
}
