package kafkalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/IBM/sarama"
)

// Send writes one record and waits until Kafka acknowledges it with acks=all. The partition is the Java
// default partitioner's for the key. A nil value writes a tombstone (a null value, not an empty one).
// Retriable failures are retried until ctx ends; the record may still be written after Send returned
// ctx's error, as with Connect's producer.
func (l *Log) Send(ctx context.Context, key, value []byte) error {
	return l.SendAll(ctx, []Record{{Key: key, Value: value}})
}

// SendAll writes recs back to back and waits for all of them. Only Key and Value are used. When a write
// fails with a retriable error, that record and every record after it are written again, so the last copy
// of each key in the topic is in the order given (compacted readers keep the last value, and the earlier
// copies are harmless duplicates).
func (l *Log) SendAll(ctx context.Context, recs []Record) error {
	pending := recs
	base := l.client.Config().Producer.Retry.Backoff
	for attempt := 0; len(pending) > 0; attempt++ {
		failed, err := l.sendOnce(ctx, pending)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || errors.Is(err, ErrClosed) || !retriable(err) {
			return l.wrap("write to", err)
		}
		l.log.Warn("write failed, retrying", "topic", l.topic, "records", len(pending)-failed, "err", err)
		pending = pending[failed:]
		if serr := l.sleep(ctx, retryDelay(base, attempt)); serr != nil {
			return l.wrap("write to", fmt.Errorf("%w (last error: %v)", serr, err))
		}
	}
	return nil
}

// pendingSend carries a message's outcome from the producer's result channels to its sender.
type pendingSend struct {
	done chan error
}

// sendOnce hands every record to the producer and waits for the outcomes. On failure it returns the index
// of the first record that failed and its error.
func (l *Log) sendOnce(ctx context.Context, recs []Record) (int, error) {
	waits := make([]*pendingSend, 0, len(recs))
	err := func() error {
		// Held shared while queueing so that Close cannot shut the producer's input under us.
		l.mu.RLock()
		defer l.mu.RUnlock()
		p, err := l.producerLocked()
		if err != nil {
			return err
		}
		for _, r := range recs {
			ps := &pendingSend{done: make(chan error, 1)}
			msg := &sarama.ProducerMessage{Topic: l.topic, Metadata: ps}
			if r.Key != nil {
				msg.Key = sarama.ByteEncoder(r.Key)
			}
			if r.Value != nil {
				msg.Value = sarama.ByteEncoder(r.Value)
			}
			select {
			case p.Input() <- msg:
				waits = append(waits, ps)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}()
	first, firstErr := -1, err
	if err != nil {
		first = len(waits)
	}
	// Wait for everything queued, even after a failure: a later record's outcome must not be lost.
	for i, ps := range waits {
		select {
		case err := <-ps.done:
			if err != nil && (first < 0 || i < first) {
				first, firstErr = i, err
			}
		case <-ctx.Done():
			if first < 0 || i < first {
				first, firstErr = i, ctx.Err()
			}
			return first, firstErr
		}
	}
	if first < 0 {
		return 0, nil
	}
	return first, firstErr
}

// producerLocked returns the producer, creating it on first use. l.mu must be held shared; it is released
// and taken again around the creation, so the closed flag is checked again afterwards.
func (l *Log) producerLocked() (sarama.AsyncProducer, error) {
	for {
		if l.isClosed {
			return nil, ErrClosed
		}
		if l.producer != nil {
			return l.producer, nil
		}
		l.mu.RUnlock()
		err := l.createProducer()
		l.mu.RLock()
		if err != nil {
			return nil, err
		}
	}
}

func (l *Log) createProducer() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.isClosed || l.producer != nil {
		return nil
	}
	p, err := sarama.NewAsyncProducerFromClient(l.client)
	if err != nil {
		return fmt.Errorf("create producer: %w", err)
	}
	l.producer, l.prodDone = p, make(chan struct{})
	go deliverResults(p, l.prodDone)
	return nil
}

// deliverResults passes each acknowledgement or failure to its sender until the producer has shut down;
// Close waits for done.
func deliverResults(p sarama.AsyncProducer, done chan<- struct{}) {
	defer close(done)
	successes, errs := p.Successes(), p.Errors()
	for successes != nil || errs != nil {
		select {
		case msg, ok := <-successes:
			if !ok {
				successes = nil
				continue
			}
			msg.Metadata.(*pendingSend).done <- nil
		case perr, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			err := perr.Err
			if err == nil {
				err = errors.New("unknown producer error")
			}
			perr.Msg.Metadata.(*pendingSend).done <- err
		}
	}
}

// fatalProduceErrors will not go away by writing again.
var fatalProduceErrors = []sarama.KError{
	sarama.ErrMessageSizeTooLarge, sarama.ErrInvalidTopic, sarama.ErrMessageSetSizeTooLarge,
	sarama.ErrInvalidRequiredAcks, sarama.ErrTopicAuthorizationFailed, sarama.ErrClusterAuthorizationFailed,
	sarama.ErrUnsupportedVersion, sarama.ErrUnsupportedForMessageFormat, sarama.ErrInvalidRecord,
	sarama.ErrPolicyViolation, sarama.ErrInvalidTimestamp, sarama.ErrSASLAuthenticationFailed,
	sarama.ErrInvalidConfig, sarama.ErrInvalidRequest,
}

// retriable says whether writing again may succeed: broker and network trouble may pass, a rejected
// record or a closed producer will not.
func retriable(err error) bool {
	var kerr sarama.KError
	if errors.As(err, &kerr) {
		for _, f := range fatalProduceErrors {
			if kerr == f {
				return false
			}
		}
		return true
	}
	var cerr sarama.ConfigurationError
	switch {
	case errors.As(err, &cerr),
		errors.Is(err, sarama.ErrShuttingDown),
		errors.Is(err, sarama.ErrClosedClient),
		errors.Is(err, context.Canceled),
		errors.Is(err, context.DeadlineExceeded):
		return false
	}
	return true
}
