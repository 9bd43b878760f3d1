package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
	"golang.org/x/sync/errgroup"

	"github.com/connectd/connectd/connector/mqtt/mqttbroker"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/localkafka"
)

// devTopicPartitions is the partition count of vehicle-data, as the user's topic-creator creates it.
const devTopicPartitions = 3

// runDev is `connectd dev`: an in-process three-broker Kafka cluster and a worker, for trying connectd with
// nothing but Go installed.
func runDev(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kafkaPort := fs.Int("kafka-port", 9092, "port of the first in-process Kafka broker; the others take the next ports (0: free ports)")
	restPort := fs.Int("rest-port", 28083, "REST port of the first worker; the others take the next ports (0: free ports)")
	workers := fs.Int("workers", 3, "number of workers in group vehicle-connect-group (0: only Kafka and MQTT)")
	mqttPort := fs.Int("mqtt-port", 1883, "port of the in-process MQTT broker (0: a free port)")
	demo := fs.Bool("demo", false, "publish simulated vehicle telemetry as JSON to /mqtt/test/vehicle/<id>")
	demoRate := fs.Int("demo-rate", 10, "messages per second published by --demo")
	dataDir := fs.String("data-dir", "", "directory to persist the in-process Kafka's data and the workers' spools across "+
		"runs (default: in memory, spools in a temporary directory removed at exit)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *workers < 0 {
		return usageError{errors.New("--workers must be 0 or more")}
	}
	type port struct {
		port int
		flag string
	}
	ports := []port{{nextPort(*kafkaPort, 0), "--kafka-port"}, {nextPort(*kafkaPort, 1), "--kafka-port"},
		{nextPort(*kafkaPort, 2), "--kafka-port"}, {*mqttPort, "--mqtt-port"}}
	for i := range *workers {
		ports = append(ports, port{nextPort(*restPort, i), "--rest-port"})
	}
	for _, p := range ports {
		if p.port == 0 {
			continue
		}
		if err := portFree(p.port); err != nil {
			return usageError{fmt.Errorf("port %d is already in use (choose another with %s): %w", p.port, p.flag, err)}
		}
	}

	levels, logger := newLogging(stderr)
	kopts := []kfake.Opt{
		kfake.Ports(nextPort(*kafkaPort, 0), nextPort(*kafkaPort, 1), nextPort(*kafkaPort, 2)),
		kfake.SeedTopics(devTopicPartitions, "vehicle-data"),
		kfake.AllowAutoTopicCreation(),
	}
	if *dataDir != "" {
		kopts = append(kopts, kfake.DataDir(*dataDir))
	}
	cluster, err := localkafka.New(kopts...)
	if err != nil {
		return err
	}
	defer cluster.Close()
	broker, err := mqttbroker.New(mqttbroker.Config{
		Addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(*mqttPort)),
		Logger: logger.With("component", "mqtt_broker"),
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := broker.Close(); err != nil {
			logger.Warn("stopping the MQTT broker", "err", err)
		}
	}()

	// The workers share one spool.dir, as workers with one volume would: a task moved to another worker finds
	// the spool its last run left. With --data-dir it survives the run, like the Kafka data it belongs to.
	spoolDir := ""
	if *dataDir != "" {
		spoolDir = filepath.Join(*dataDir, "spool")
	} else {
		if spoolDir, err = os.MkdirTemp("", "connectd-dev-spool-"); err != nil {
			return fmt.Errorf("spool directory: %w", err)
		}
		defer func() {
			if err := os.RemoveAll(spoolDir); err != nil {
				logger.Warn("removing the temporary spool directory failed", "dir", spoolDir, "err", err)
			}
		}()
	}

	reg, err := newRegistry()
	if err != nil {
		return err
	}
	ready := make(chan string, *workers)
	g, gctx := errgroup.WithContext(ctx)
	// The stack runs until it is stopped, also when nothing else keeps the group busy (--workers 0).
	g.Go(func() error { <-gctx.Done(); return nil })
	if *demo {
		g.Go(func() error { runDemo(gctx, broker, *demoRate, logger); return nil })
	}
	for i := range *workers {
		cfg, _, err := config.ParseConfig(devWorkerProps(cluster.ListenAddrs(), nextPort(*restPort, i), spoolDir))
		if err != nil {
			return err
		}
		g.Go(func() error { return serveWorker(gctx, cfg, reg, logger, levels, nil, ready) })
	}
	g.Go(func() error {
		var urls []string
		for range *workers {
			select {
			case url := <-ready:
				urls = append(urls, url)
			case <-gctx.Done():
				return nil
			}
		}
		slices.Sort(urls)
		if len(urls) == 0 {
			fmt.Fprintf(stdout, devBannerNoWorkers, strings.Join(cluster.ListenAddrs(), ","), broker.URL())
			return nil
		}
		fmt.Fprintf(stdout, devBanner, strings.Join(cluster.ListenAddrs(), ","), broker.URL(), strings.Join(urls, " "),
			strings.TrimSuffix(urls[0], "/"))
		return nil
	})
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// devWorkerProps is the worker configuration of the dev stack: the user's docker-compose settings (group
// vehicle-connect-group, String keys, schemaless JSON values, replication factor 3).
func devWorkerProps(brokers []string, restPort int, spoolDir string) map[string]string {
	return map[string]string{
		"bootstrap.servers":                 strings.Join(brokers, ","),
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
		"listeners":                         "http://127.0.0.1:" + strconv.Itoa(restPort),
		"rest.advertised.host.name":         "localhost",
		"offset.flush.interval.ms":          "10000",
		// Fast failover for a laptop: a dead worker's tasks move after ~6 s + 10 s instead of 10 s + 5 min.
		"session.timeout.ms":               "6000",
		"heartbeat.interval.ms":            "2000",
		"scheduled.rebalance.max.delay.ms": "10000",
		"spool.dir":                        spoolDir,
	}
}

const devBanner = `
connectd dev stack is up
  kafka (in-process, 3 brokers): %s
  mqtt broker (in-process):      %s
  workers (vehicle-connect-group): %s
  web console:                   %[4]s/ui/

try:
  curl -s -X POST -H "Content-Type: application/json" %[4]s/connectors --data @testdata/mqtt-connector.json
  curl -s %[4]s/connectors?expand=status ; echo
  go run ./cmd/connectd consume vehicle-data --from-beginning --print-key -n 5
Ctrl-C stops everything.
`

const devBannerNoWorkers = `
connectd dev stack is up
  kafka (in-process, 3 brokers): %s
  mqtt broker (in-process):      %s
  workers (vehicle-connect-group): none (--workers 0)
Ctrl-C stops everything.
`

// nextPort is the i-th port from first, or 0 (a free port) when first is 0.
func nextPort(first, i int) int {
	if first == 0 {
		return 0
	}
	return first + i
}

// portFree reports an error when a TCP port on loopback cannot be bound.
func portFree(port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return ln.Close()
}
