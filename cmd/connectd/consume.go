package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// runConsume is `connectd consume TOPIC`: kafka-console-consumer without a Kafka distribution. It reads every
// partition directly (no consumer group, nothing committed), so it never disturbs a connector's offsets.
func runConsume(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var kf kafkaFlags
	fs := newFlagSet("consume", "consume TOPIC [--from-beginning] [--print-partition] [--print-offset] "+
		"[--print-key] [--print-headers] [-n N] [--timeout D] [--bootstrap-server HOSTS]", stderr)
	kf.register(fs)
	fromBeginning := fs.Bool("from-beginning", false, "start at the earliest record instead of the next one written")
	printPartition := fs.Bool("print-partition", false, "prefix each record with Partition:<n>")
	printOffset := fs.Bool("print-offset", false, "prefix each record with Offset:<n>")
	printKey := fs.Bool("print-key", false, "prefix each record with its key (null when absent)")
	printHeaders := fs.Bool("print-headers", false, "prefix each record with its headers k:v,... (NO_HEADERS when none)")
	maxRecords := fs.Int("n", 0, "stop after this many records (0: no limit)")
	timeout := fs.Duration("timeout", 0, "stop when no record arrives for this long, as kafka-console-consumer's --timeout-ms (0: wait until Ctrl-C)")
	rest, err := parseInterleaved(fs, args)
	if err != nil || len(rest) != 1 {
		return flagResult(err, "usage: connectd consume TOPIC [flags] (connectd consume -h lists them)")
	}
	if *maxRecords < 0 || *timeout < 0 {
		return usageError{errors.New("-n and --timeout must not be negative")}
	}
	topic := rest[0]
	format := recordFormat{partition: *printPartition, offset: *printOffset, key: *printKey, headers: *printHeaders}

	client, err := kf.newClient("consumer")
	if err != nil {
		return err
	}
	defer client.Close()
	partitions, err := client.Partitions(topic)
	if err != nil {
		return fmt.Errorf("topic %s: %w", topic, err)
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return fmt.Errorf("kafka consumer: %w", err)
	}
	defer consumer.Close()
	start := sarama.OffsetNewest
	if *fromBeginning {
		start = sarama.OffsetOldest
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	records := make(chan *sarama.ConsumerMessage)
	errs := make(chan error, len(partitions))
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // runs before wg.Wait: the partition goroutines stop on ctx
	for _, p := range partitions {
		pc, err := consumer.ConsumePartition(topic, p, start)
		if err != nil {
			return fmt.Errorf("consume %s partition %d: %w", topic, p, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer pc.AsyncClose()
			for {
				select {
				case <-ctx.Done():
					return
				case err := <-pc.Errors():
					if err != nil {
						errs <- err
						return
					}
				case m := <-pc.Messages():
					select {
					case records <- m:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	var idle <-chan time.Time
	var idleTimer *time.Timer
	if *timeout > 0 {
		idleTimer = time.NewTimer(*timeout)
		defer idleTimer.Stop()
		idle = idleTimer.C
	}
	count := 0
	for *maxRecords == 0 || count < *maxRecords {
		select {
		case <-ctx.Done():
			// Ctrl-C is the normal way to stop, as with kafka-console-consumer.
			fmt.Fprintf(stderr, "processed a total of %d messages\n", count)
			return nil
		case <-idle:
			fmt.Fprintf(stderr, "processed a total of %d messages\n", count)
			return nil
		case err := <-errs:
			return fmt.Errorf("consume %s: %w", topic, err)
		case m := <-records:
			format.write(out, m)
			// Flush per record: a reader piping us to grep or head sees records as they come.
			if err := out.Flush(); err != nil {
				return fmt.Errorf("write record: %w", err)
			}
			count++
			if idleTimer != nil {
				idleTimer.Reset(*timeout)
			}
		}
	}
	fmt.Fprintf(stderr, "processed a total of %d messages\n", count)
	return nil
}

// recordFormat prints a record as Kafka's DefaultMessageFormatter does: the enabled prefixes in the order
// partition, offset, headers, key, each followed by a tab, then the value and a newline.
type recordFormat struct {
	partition, offset, key, headers bool
}

func (f recordFormat) write(w io.Writer, m *sarama.ConsumerMessage) {
	if f.partition {
		fmt.Fprintf(w, "Partition:%d\t", m.Partition)
	}
	if f.offset {
		fmt.Fprintf(w, "Offset:%d\t", m.Offset)
	}
	if f.headers {
		if len(m.Headers) == 0 {
			io.WriteString(w, "NO_HEADERS")
		}
		for i, h := range m.Headers {
			if i > 0 {
				io.WriteString(w, ",")
			}
			v := "null"
			if h.Value != nil {
				v = string(h.Value)
			}
			fmt.Fprintf(w, "%s:%s", h.Key, v)
		}
		io.WriteString(w, "\t")
	}
	if f.key {
		k := "null"
		if m.Key != nil {
			k = string(m.Key)
		}
		io.WriteString(w, k+"\t")
	}
	v := "null"
	if m.Value != nil {
		v = string(m.Value)
	}
	io.WriteString(w, v+"\n")
}

// runOffsets is `connectd offsets [TOPIC...]`: kafka-get-offsets, printing topic:partition:offset per partition.
func runOffsets(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var kf kafkaFlags
	fs := newFlagSet("offsets", "offsets [TOPIC...] [--time latest|earliest] [--all] [--bootstrap-server HOSTS]", stderr)
	kf.register(fs)
	at := fs.String("time", "latest", "latest (the end offset, the default) or earliest")
	all := fs.Bool("all", false, "with no TOPIC, include internal topics (names starting with __)")
	topics, err := parseInterleaved(fs, args)
	if err != nil {
		return flagResult(err, "")
	}
	var when int64
	switch strings.ToLower(*at) {
	case "latest", "-1":
		when = sarama.OffsetNewest
	case "earliest", "-2":
		when = sarama.OffsetOldest
	default:
		return usageError{fmt.Errorf("--time %q: expected latest or earliest", *at)}
	}
	client, err := kf.newClient("consumer")
	if err != nil {
		return err
	}
	defer client.Close()
	if len(topics) == 0 {
		if topics, err = topicNames(client, *all); err != nil {
			return err
		}
	}
	for _, t := range topics {
		partitions, err := client.Partitions(t)
		if err != nil {
			return fmt.Errorf("topic %s: %w", t, err)
		}
		partitions = slices.Clone(partitions)
		slices.Sort(partitions)
		for _, p := range partitions {
			off, err := client.GetOffset(t, p, when)
			if err != nil {
				return fmt.Errorf("offset of %s partition %d: %w", t, p, err)
			}
			fmt.Fprintf(stdout, "%s:%d:%d\n", t, p, off)
		}
	}
	return nil
}

// runHealth is `connectd health`: the container HEALTHCHECK, since the runtime image has no curl. It exits 0
// when the worker's GET /health answers 200.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("health", "health [--url http://127.0.0.1:8083/health] [--timeout D]", stderr)
	url := fs.String("url", "http://127.0.0.1:8083/health", "the worker's health endpoint")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	rest, err := parseInterleaved(fs, args)
	if err != nil || len(rest) > 0 {
		return flagResult(err, "health takes no arguments")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return usageError{fmt.Errorf("--url: %w", err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: %s: %s %s", *url, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintln(stdout, strings.TrimSpace(string(body)))
	return nil
}
