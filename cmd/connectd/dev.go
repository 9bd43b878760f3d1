package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
	"golang.org/x/sync/errgroup"

	"github.com/connectd/connectd/worker"
)

// devTopicPartitions is the partition count of vehicle-data, as the user's topic-creator creates it.
const devTopicPartitions = 3

// runDev is `connectd dev`: an in-process three-broker Kafka cluster and a worker, for trying connectd with
// nothing but Go installed.
func runDev(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kafkaPort := fs.Int("kafka-port", 9092, "port of the first in-process Kafka broker; the others take the next ports")
	restPort := fs.Int("rest-port", 28083, "REST port of the worker")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	for _, p := range []struct {
		port int
		flag string
	}{{*kafkaPort, "--kafka-port"}, {*kafkaPort + 1, "--kafka-port"}, {*kafkaPort + 2, "--kafka-port"}, {*restPort, "--rest-port"}} {
		if err := portFree(p.port); err != nil {
			return usageError{fmt.Errorf("port %d is already in use (choose another with %s): %w", p.port, p.flag, err)}
		}
	}

	levels, logger := newLogging(stderr)
	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(3),
		kfake.Ports(*kafkaPort, *kafkaPort+1, *kafkaPort+2),
		kfake.SeedTopics(devTopicPartitions, "vehicle-data"),
		kfake.AllowAutoTopicCreation(),
	)
	if err != nil {
		return fmt.Errorf("start in-process kafka: %w", err)
	}
	defer cluster.Close()

	cfg, _, err := worker.ParseConfig(map[string]string{
		"bootstrap.servers":                 strings.Join(cluster.ListenAddrs(), ","),
		"group.id":                          "vehicle-connect-group",
		"config.storage.topic":              "connect-configs",
		"offset.storage.topic":              "connect-offsets",
		"status.storage.topic":              "connect-status",
		"config.storage.replication.factor": "3",
		"offset.storage.replication.factor": "3",
		"status.storage.replication.factor": "3",
		"key.converter":                     "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable":    "false",
		"listeners":                         "http://127.0.0.1:" + strconv.Itoa(*restPort),
		"rest.advertised.host.name":         "localhost",
		"offset.flush.interval.ms":          "10000",
	})
	if err != nil {
		return err
	}
	reg, err := newRegistry()
	if err != nil {
		return err
	}
	ready := make(chan string, 1)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveWorker(gctx, cfg, reg, logger, levels, ready) })
	g.Go(func() error {
		select {
		case url := <-ready:
			fmt.Fprintf(stdout, devBanner, strings.Join(cluster.ListenAddrs(), ","), url)
		case <-gctx.Done():
		}
		return nil
	})
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

const devBanner = `
connectd dev stack is up
  kafka (in-process, 3 brokers): %s
  worker REST:                   %s

try:
  curl -s localhost:28083/ ; echo
  curl -s -X POST -H "Content-Type: application/json" localhost:28083/connectors --data @testdata/mqtt-connector.json
  curl -s localhost:28083/connectors?expand=status ; echo
Ctrl-C stops everything.
`

// portFree reports an error when a TCP port on loopback cannot be bound.
func portFree(port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return ln.Close()
}
