package worker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector/backoff"
)

// taskProducer is a producer of a task (its records, or a sink's dead letter queue) with the client it owns.
// Its owner closes the producer (AsyncClose, once, when nothing sends any more) and then the client (close).
//
// sarama's producer closes only once every record it holds is delivered or has used up its Retry.Max
// attempts: while Kafka refuses writes, about ten minutes. abort is how a task that gives its records up
// (abandoned, or stopping with records Kafka has not acknowledged) makes that prompt, as Kafka Connect's
// cancel closes the task's producer with a zero timeout.
type taskProducer struct {
	client   sarama.Client
	producer sarama.AsyncProducer

	// aborted turns the producer's retry back-off off; read by its BackoffFunc on sarama's goroutines.
	aborted   atomic.Bool
	closeOnce sync.Once // sarama's client.Close panics when two calls overlap
}

// abort makes the producer give up every record it holds, at once: it closes the client, so that a record
// waiting for a broker's answer fails with the connection and every retry fails at once (no partition leader
// is found), and it turns the retry back-off off, so that those failures wait for nothing. The records come
// back on the producer's error channel (sarama.ErrClosedClient and the like), not delivered. The owner still
// closes the producer, which then shuts down within a moment: at most one back-off already begun
// (retry.backoff.max.ms, one second) is still slept. abort is idempotent and safe on any goroutine.
//
// Failing leader lookups open sarama's circuit breakers, whose timers then sleep ten seconds on goroutines
// of their own that nothing can stop (go-resiliency's breaker.timer); they hold nothing but the breaker.
func (p *taskProducer) abort() {
	p.aborted.Store(true)
	p.close()
}

// close closes the client; idempotent. The producer must be closed first, or be aborted.
func (p *taskProducer) close() {
	// Client.Close fails only when the client is closed already.
	p.closeOnce.Do(func() { _ = p.client.Close() })
}

// maxTaskProducerRetries bounds a task producer's retries (sarama keeps per-attempt state): 600 attempts up to
// a second apart are about ten minutes of Kafka being unreachable.
const maxTaskProducerRetries = 600

// taskProducerRetries is a task producer's Retry.Max: maxTaskProducerRetries, or the retries setting when it
// is lower. (An invalid setting was reported when the client configuration was built.)
func taskProducerRetries(set map[string]string) int {
	if v, ok := set["retries"]; ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32); err == nil && n >= 0 {
			return int(min(n, maxTaskProducerRetries))
		}
	}
	return maxTaskProducerRetries
}

// newTaskProducer creates a producer of task t (its records, or its dead letter queue) with Kafka Connect's
// producer settings (acks=all, unlimited delivery retries), idempotent when the cluster allows it. It retries
// while Kafka is unreachable until the task is asked to stop.
func (w *Worker) newTaskProducer(ctx context.Context, t *taskRunner, clientID string) (*taskProducer, error) {
	tc, err := w.taskClientConfig(t, "producer")
	if err != nil {
		return nil, err
	}
	cfg, set := tc.Config, tc.Set
	p := &taskProducer{}
	// Kafka Connect names the producer unless client.id is set (worker producer.client.id or an override).
	if _, ok := set["client.id"]; !ok {
		cfg.ClientID = clientID
	}
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	// Connect's producer defaults, each unless the worker's producer.* or the connector's producer.override.*
	// set it: acks=all, one request in flight, idempotent when the cluster allows it.
	if _, ok := set["acks"]; !ok {
		cfg.Producer.RequiredAcks = sarama.WaitForAll
	}
	// sarama keeps retry state per attempt and partition, so the limit must stay finite: 600 attempts at
	// up to 1s apart keep a record retrying for about ten minutes of Kafka being unreachable.
	// A retries setting lowers the limit but never raises it: Connect's own default, Integer.MAX_VALUE, is a
	// common copy, and must keep the ten minutes rather than fall to the generic clients' cap.
	cfg.Producer.Retry.Max = taskProducerRetries(set)
	// retry.backoff.ms (100 ms) doubling up to retry.backoff.max.ms (1 s), the Kafka producer's defaults; none
	// once aborted.
	retryBackoff := backoff.Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	cfg.Producer.Retry.BackoffFunc = func(retries, _ int) time.Duration {
		if p.aborted.Load() {
			return 0
		}
		return retryBackoff.Delay(retries)
	}
	cfg.Producer.Partitioner = newRecordPartitioner
	_, idemSet := set["enable.idempotence"]
	_, txSet := set["transactional.id"]
	if !idemSet && !txSet && cfg.Producer.RequiredAcks == sarama.WaitForAll {
		cfg.Producer.Idempotent = true
	}
	if _, ok := set["max.in.flight.requests.per.connection"]; !ok || cfg.Producer.Idempotent {
		cfg.Net.MaxOpenRequests = 1
	}
	bo := clientBackoff()
	for {
		client, err := sarama.NewClient(tc.bootstrap, cfg)
		if err == nil {
			producer, perr := sarama.NewAsyncProducerFromClient(client)
			if perr == nil {
				logClientValues(t.log, "producer", cfg, tc.bootstrap)
				p.client, p.producer = client, producer
				return p, nil
			}
			client.Close()
			err = perr
			if cfg.Producer.Idempotent && !idemSet && !txSet {
				t.log.Info("idempotent producer unavailable, using a plain one", "err", perr)
				cfg.Producer.Idempotent = false
				continue
			}
		}
		var cfgErr sarama.ConfigurationError
		if errors.As(err, &cfgErr) {
			return nil, fmt.Errorf("create producer: %w", err)
		}
		t.log.Warn("cannot create producer, retrying", "err", err)
		if err := t.backOff(ctx, &bo); err != nil {
			return nil, err
		}
	}
}
