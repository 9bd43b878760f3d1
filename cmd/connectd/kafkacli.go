package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/properties"
)

// defaultBootstrap is the first broker of `connectd dev`, so the checks work against the dev stack with no flags.
const defaultBootstrap = "127.0.0.1:9092"

// kafkaFlags are the connection flags every Kafka check shares, named as Kafka's command-line tools name them.
type kafkaFlags struct {
	bootstrap     string
	commandConfig string
}

func (k *kafkaFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.bootstrap, "bootstrap-server", defaultBootstrap, "Kafka brokers to connect to, host:port[,host:port...]")
	fs.StringVar(&k.commandConfig, "command-config", "",
		"properties file with Kafka client settings (security.protocol, sasl.*, ssl.*), as for Kafka's tools")
}

// clientConfig builds the sarama configuration of one kind ("admin" or "consumer") through the worker's own
// client-settings code, so --command-config understands exactly the security settings a worker file does.
func (k *kafkaFlags) clientConfig(kind string) ([]string, *sarama.Config, error) {
	props := map[string]string{}
	if k.commandConfig != "" {
		f, err := os.Open(k.commandConfig)
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("read --command-config: %w", err)}
		}
		props, err = properties.Parse(f)
		f.Close()
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("read --command-config %s: %w", k.commandConfig, err)}
		}
	}
	// The flag wins over the file, as in kafka-topics; the file's bootstrap.servers is used only when the flag
	// was left at its default.
	if k.bootstrap != defaultBootstrap || props["bootstrap.servers"] == "" {
		props["bootstrap.servers"] = k.bootstrap
	}
	if props["client.id"] == "" {
		props["client.id"] = "connectd-cli"
	}
	// ParseConfig validates a whole worker; these placeholders satisfy the settings a client never reads.
	full := maps.Clone(props)
	for key, v := range map[string]string{
		"group.id": "connectd-cli", "config.storage.topic": "unused", "offset.storage.topic": "unused",
		"status.storage.topic": "unused", "key.converter": "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.storage.StringConverter",
	} {
		if _, ok := full[key]; !ok {
			full[key] = v
		}
	}
	cfg, _, err := config.ParseConfig(full)
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("kafka client settings: %w", err)}
	}
	sc, err := cfg.SaramaConfig(kind)
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("kafka client settings: %w", err)}
	}
	// A check should fail fast against a broker that is down rather than retry for minutes.
	sc.Metadata.Retry.Max = 3
	sc.Metadata.Retry.Backoff = 500 * time.Millisecond
	sc.Net.DialTimeout = 10 * time.Second
	return cfg.BootstrapServers, sc, nil
}

// newClient connects to Kafka; the caller closes the client.
func (k *kafkaFlags) newClient(kind string) (sarama.Client, error) {
	addrs, cfg, err := k.clientConfig(kind)
	if err != nil {
		return nil, err
	}
	client, err := sarama.NewClient(addrs, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to kafka at %s (set --bootstrap-server): %w", strings.Join(addrs, ","), err)
	}
	return client, nil
}

// parseInterleaved parses flags that may come before, between or after positional arguments
// (`connectd consume vehicle-data --from-beginning`), which flag.FlagSet alone stops at. "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// flag stops at "--" and consumes it; everything after it is positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a flag set that reports errors (not exits) and prints its usage to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: connectd %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// isHelp reports whether -h was asked for: the usage is already printed, so the command succeeds.
func isHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }

// internalTopic reports whether a topic is hidden from listings by default: Kafka's own (__consumer_offsets,
// __transaction_state) and anything else named with the same double-underscore convention.
func internalTopic(name string) bool { return strings.HasPrefix(name, "__") }
