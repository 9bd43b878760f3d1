package connector

// RetriableError is Kafka Connect's RetriableException: a failure that may pass if the same operation is tried
// again (a store briefly unreachable, a lock held). A converter or transformation that returns one is retried
// within errors.retry.timeout; a SinkTask.Put that returns one has the same batch delivered again after a
// back-off (SinkTaskContext.Timeout, or the next offset commit) instead of failing the task; a
// SourceTask.Poll that returns one is polled again. Any other error is not retried.
type RetriableError struct {
	Err error
}

// NewRetriableError marks err as retriable; it returns nil when err is nil.
func NewRetriableError(err error) error {
	if err == nil {
		return nil
	}
	return &RetriableError{Err: err}
}

// Error returns the cause's message.
func (e *RetriableError) Error() string {
	if e.Err == nil {
		return "retriable error"
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *RetriableError) Unwrap() error { return e.Err }

// JavaClass names the Java exception class this error stands for, as Kafka's error reporters print it.
func (e *RetriableError) JavaClass() string {
	return "org.apache.kafka.connect.errors.RetriableException"
}
