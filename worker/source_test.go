package worker

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/worker/errorhandling"
)

// TestInFlightRecordsAreBoundedInBytes reserves records of 60 bytes against a producer.buffer.memory of 100:
// the second waits until Kafka acknowledged the first, a record Kafka refused (errors.tolerance=all) gives
// its bytes back too, and a record larger than the whole budget goes alone.
func TestInFlightRecordsAreBoundedInBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const budget = 100
		w := newRuntimeTestWorker(t)
		w.cfg.ProducerBufferMemory = budget
		tr := w.newTaskRunner(connector.TaskID{Connector: "c", Task: 0}, nil, &storage.Connector{Name: "c"})
		s := newSourceSubmitter(tr, nil, testPipeline(&taskConverters{}, errorhandling.Config{}))
		rec := &connector.SourceRecord{Topic: "t"}
		msg := func(n int) *producerMessage {
			return &producerMessage{ProducerMessage: sarama.ProducerMessage{Topic: "t", Key: sarama.StringEncoder("k"),
				Value: sarama.ByteEncoder(make([]byte, n-1))}}
		}
		ctx := context.Background()
		// ack marks an entry done as the producer's result handler does, then drains.
		ack := func(e *inFlight) {
			s.mu.Lock()
			e.done = true
			s.mu.Unlock()
			s.drain()
		}
		reserveLater := func(n int) <-chan *inFlight {
			got := make(chan *inFlight, 1)
			go func() {
				e, err := s.reserve(ctx, rec, msg(n))
				if err != nil {
					t.Error(err)
				}
				got <- e
			}()
			return got
		}
		waiting := func(got <-chan *inFlight) bool {
			synctest.Wait()
			select {
			case e := <-got:
				s.enqueue(e)
				return false
			default:
				return true
			}
		}

		first, err := s.reserve(ctx, rec, msg(60))
		if err != nil {
			t.Fatal(err)
		}
		s.enqueue(first)
		second := reserveLater(60)
		if !waiting(second) {
			t.Fatal("a second record of 60 bytes went to the producer with 60 of 100 bytes in flight")
		}
		ack(first) // a refusal under errors.tolerance=all is done without metadata
		if waiting(second) {
			t.Fatal("the record still waits after the first was dropped")
		}
		big := reserveLater(500)
		if !waiting(big) {
			t.Fatal("a record larger than the budget went with another in flight")
		}
		s.mu.Lock()
		pending := s.queue[0]
		s.mu.Unlock()
		pending.meta = &connector.RecordMetadata{Topic: "t"}
		s.t.w = &Worker{}
		ack(pending)
		if waiting(big) {
			t.Fatal("a record larger than the budget waits with nothing in flight")
		}
		s.mu.Lock()
		last := s.queue[0]
		s.mu.Unlock()
		ack(last)
		if !s.mem.TryAcquire(budget) {
			t.Fatal("bytes not given back after every record was acknowledged")
		}
	})
}
