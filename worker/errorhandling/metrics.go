package errorhandling

import (
	"sync/atomic"
	"time"
)

// Metrics counts what a task's error handling did: Kafka's task-error-metrics group (ErrorHandlingMetrics),
// one per task. Counters only grow; every method is safe for concurrent use.
type Metrics struct {
	recordFailures atomic.Int64
	recordErrors   atomic.Int64
	recordsSkipped atomic.Int64
	retries        atomic.Int64
	errorsLogged   atomic.Int64
	dlqRequests    atomic.Int64
	dlqFailures    atomic.Int64
	lastErrorMilli atomic.Int64
}

// MetricsSnapshot is the value of a task's error metrics at one moment, under Kafka's metric names.
type MetricsSnapshot struct {
	// TotalRecordFailures (total-record-failures) counts failed attempts, retriable or not.
	TotalRecordFailures int64
	// TotalRecordErrors (total-record-errors) counts operations that failed for good after their retries.
	TotalRecordErrors int64
	// TotalRecordsSkipped (total-records-skipped) counts records skipped because of a failure.
	TotalRecordsSkipped int64
	// TotalRetries (total-retries) counts retries of retriable failures.
	TotalRetries int64
	// TotalErrorsLogged (total-errors-logged) counts failures written to the log.
	TotalErrorsLogged int64
	// DeadLetterQueueProduceRequests (deadletterqueue-produce-requests) counts records sent to the dead letter
	// queue.
	DeadLetterQueueProduceRequests int64
	// DeadLetterQueueProduceFailures (deadletterqueue-produce-failures) counts those Kafka did not take, and
	// reports without an original record.
	DeadLetterQueueProduceFailures int64
	// LastErrorTimestamp (last-error-timestamp) is when the last failure happened; zero before any.
	LastErrorTimestamp time.Time
}

// Snapshot reads every counter.
func (m *Metrics) Snapshot() MetricsSnapshot {
	s := MetricsSnapshot{
		TotalRecordFailures:            m.recordFailures.Load(),
		TotalRecordErrors:              m.recordErrors.Load(),
		TotalRecordsSkipped:            m.recordsSkipped.Load(),
		TotalRetries:                   m.retries.Load(),
		TotalErrorsLogged:              m.errorsLogged.Load(),
		DeadLetterQueueProduceRequests: m.dlqRequests.Load(),
		DeadLetterQueueProduceFailures: m.dlqFailures.Load(),
	}
	if ms := m.lastErrorMilli.Load(); ms != 0 {
		s.LastErrorTimestamp = time.UnixMilli(ms)
	}
	return s
}

func (m *Metrics) markError() { m.lastErrorMilli.Store(time.Now().UnixMilli()) }
