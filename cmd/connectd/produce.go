package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/worker/kafkalog"
)

// headerFlags collects repeated --header K=V flags.
type headerFlags []sarama.RecordHeader

func (h *headerFlags) String() string { return fmt.Sprint(len(*h)) }

func (h *headerFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*h = append(*h, sarama.RecordHeader{Key: []byte(k), Value: []byte(val)})
	return nil
}

// runProduce is `connectd produce TOPIC`: kafka-console-producer without a Kafka distribution. Every line of
// stdin becomes one record; with --key-separator the text before the first separator is its key (as
// kafka-console-producer's parse.key and kcat -K). It returns once Kafka has acknowledged every record.
func runProduce(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer) error {
	var kf kafkaFlags
	var headers headerFlags
	fs := newFlagSet("produce", "produce TOPIC [--key-separator SEP] [--header K=V]... [--bootstrap-server HOSTS] < lines",
		stderr)
	kf.register(fs)
	keySep := fs.String("key-separator", "", "split each line at the first SEP into key and value (unset: no key)")
	fs.Var(&headers, "header", "add header K=V to every record (repeatable)")
	rest, err := parseInterleaved(fs, args)
	if err != nil || len(rest) != 1 {
		return flagResult(err, "usage: connectd produce TOPIC [flags] < lines (connectd produce -h lists them)")
	}
	topic := rest[0]
	addrs, cfg, err := kf.clientConfig("producer")
	if err != nil {
		return err
	}
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	// Keyed records land where kafka-console-producer (the Java producer's murmur2) puts them. clientConfig's
	// worker settings already choose it; said here so that produce does not depend on that.
	cfg.Producer.Partitioner = kafkalog.NewMurmur2Partitioner
	producer, err := sarama.NewSyncProducer(addrs, cfg)
	if err != nil {
		return fmt.Errorf("connect to kafka at %s (set --bootstrap-server): %w", strings.Join(addrs, ","), err)
	}
	defer func() { _ = producer.Close() }()

	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	n := 0
	for sc.Scan() && ctx.Err() == nil {
		line := sc.Text()
		msg := &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(line), Headers: headers}
		if *keySep != "" {
			key, value, ok := strings.Cut(line, *keySep)
			if !ok {
				return usageError{fmt.Errorf("line %d has no key separator %q", n+1, *keySep)}
			}
			msg.Key, msg.Value = sarama.StringEncoder(key), sarama.StringEncoder(value)
		}
		if _, _, err := producer.SendMessage(msg); err != nil {
			return fmt.Errorf("produce to %s: %w", topic, err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	fmt.Fprintf(stderr, "Produced %d messages\n", n)
	return nil
}
