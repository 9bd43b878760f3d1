package errorhandling

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
)

// firstRetryDelay is the first wait before a retry (Kafka's RETRIES_DELAY_MIN_MS); each further wait doubles.
const firstRetryDelay = 300 * time.Millisecond

// ErrStopped is returned by Execute when the task was asked to stop while an operation waited to be retried.
// Kafka skips the record then; connectd abandons it instead, so that it is neither delivered nor committed
// and the task's next run processes it again.
var ErrStopped = errors.New("retries abandoned: the task is stopping")

// Context is one record's passage through a task's pipeline (Kafka's ProcessingContext): the record as it
// came in, and the stage, class and error of the operation that last ran on it. The worker keeps one per
// record on its stack and passes it to every operation on the record; once an operation has failed, later
// ones on the same context are skipped.
type Context struct {
	// Consumed is the record as a sink task consumed it; nil for a source task's record.
	Consumed *sarama.ConsumerMessage
	// Source is the record as a source task's Poll returned it; nil for a sink task's record.
	Source *connector.SourceRecord

	stage    Stage
	class    string
	attempts int
	err      error
}

// Failed reports whether an operation on the record failed (whether or not that was tolerated).
func (c *Context) Failed() bool { return c.err != nil }

// Err is the failure of the record's last operation, or nil.
func (c *Context) Err() error { return c.err }

// Stage is the stage of the record's last operation.
func (c *Context) Stage() Stage { return c.stage }

// Class is the Java class name of what ran the record's last operation (a converter, a transformation, the
// task), as Kafka reports it.
func (c *Context) Class() string { return c.class }

// Attempts is how many times the record's last operation was tried.
func (c *Context) Attempts() int { return c.attempts }

// HandlerError is the error the operator returns when it does not tolerate a failure: Kafka's
// ConnectException "Tolerance exceeded in error handler" (errors.tolerance does not allow another failure) or
// "Unhandled exception in error handler" (a stage that only tolerates retriable failures failed otherwise).
// It fails the task.
type HandlerError struct {
	Message string
	Err     error
}

// Error returns the message and the cause's.
func (e *HandlerError) Error() string { return e.Message + ": " + e.Err.Error() }

// Unwrap returns the failure that was not tolerated.
func (e *HandlerError) Unwrap() error { return e.Err }

// JavaClass names the Java exception class this error stands for.
func (e *HandlerError) JavaClass() string { return "org.apache.kafka.connect.errors.ConnectException" }

func toleranceExceeded(err error) error {
	return &HandlerError{Message: "Tolerance exceeded in error handler", Err: err}
}

// PanicError is a panic of a converter or transformation, turned into a failure of its operation (Java would
// see a RuntimeException). Stack is where it panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Operator runs a task's operations with retries and tolerance (Kafka's RetryWithToleranceOperator): a
// retriable failure (*connector.RetriableError) is tried again with exponential back-off within
// errors.retry.timeout; a failure that remains is reported (logged, written to the dead letter queue) and
// then skipped or, beyond errors.tolerance, returned as a *HandlerError that fails the task. It is safe for
// concurrent use.
type Operator struct {
	cfg       Config
	metrics   *Metrics
	reporters []Reporter
	stop      <-chan struct{}
	// jitter returns a wait in [0, n) once the doubling delay passes errors.retry.delay.max.ms; tests fix it.
	jitter func(n time.Duration) time.Duration

	mu       sync.Mutex
	failures int64
}

// NewOperator returns an operator for cfg that counts into metrics and reports failures to reporters, in
// order (Kafka: the log reporter, then the dead letter queue). Closing stop abandons retries.
func NewOperator(cfg Config, metrics *Metrics, stop <-chan struct{}, reporters ...Reporter) *Operator {
	return &Operator{cfg: cfg, metrics: metrics, reporters: reporters, stop: stop,
		jitter: func(n time.Duration) time.Duration { return rand.N(n) }}
}

// Tolerance is the configured errors.tolerance.
func (o *Operator) Tolerance() Tolerance { return o.cfg.Tolerance }

// Metrics are the counters the operator and its reporters keep.
func (o *Operator) Metrics() *Metrics { return o.metrics }

// WithinToleranceLimits reports whether errors.tolerance allows the failures so far: always under "all",
// only before the first under "none".
func (o *Operator) WithinToleranceLimits() bool {
	if o.cfg.Tolerance == ToleranceAll {
		return true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.failures == 0
}

// Flush waits until the reports made so far are persisted (those of reporters that persist asynchronously, the
// dead letter queue), or ctx ends.
func (o *Operator) Flush(ctx context.Context) error {
	for _, r := range o.reporters {
		if f, ok := r.(interface{ Flush(context.Context) error }); ok {
			if err := f.Flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close closes the reporters.
func (o *Operator) Close() error {
	var errs []error
	for _, r := range o.reporters {
		if err := r.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (o *Operator) markFailed() {
	o.metrics.markError()
	o.mu.Lock()
	o.failures++
	o.mu.Unlock()
}

// Execute runs op for the record of c as stage, by class (Kafka's execute). It returns op's result, or
// the zero V with a nil error when the record failed at this or an earlier stage and the failure is
// tolerated (c.Failed() tells): the caller drops the record then. A failure that is not tolerated is
// returned as a *HandlerError; ErrStopped when the task stopped during a retry.
//
// A retriable failure is retried until errors.retry.timeout has passed; one that outlasts it is reported and
// the record skipped whatever errors.tolerance says (as Kafka does; the failure still counts against
// tolerance for later failures). Any other failure is tolerated only at the conversion and transformation
// stages and only within errors.tolerance. Every failure is reported.
func Execute[V any](o *Operator, c *Context, stage Stage, class string, op func() (V, error)) (V, error) {
	c.stage, c.class = stage, class
	if c.err != nil {
		var zero V
		return zero, nil //nolint:nilerr // the record failed before: its failure is in c, and was handled then
	}
	v, err := call(op)
	if err == nil {
		c.attempts = 1
		return v, nil
	}
	return executeFailing(o, c, op, err)
}

// call runs op, turning a panic into a *PanicError.
func call[V any](op func() (V, error)) (v V, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return op()
}

// executeFailing is Execute once op has failed with err: Kafka's execAndRetry and execAndHandleError.
func executeFailing[V any](o *Operator, c *Context, op func() (V, error), err error) (V, error) {
	var zero V
	start := time.Now()
	attempt := 1
	for isRetriable(err) {
		o.metrics.recordFailures.Add(1)
		if o.cfg.RetryTimeout >= 0 && !time.Now().Before(start.Add(o.cfg.RetryTimeout)) {
			// Out of time: skipped, whatever the tolerance (Kafka returns null here without checking it).
			c.err, c.attempts = err, attempt
			o.markFailed()
			o.metrics.recordsSkipped.Add(1)
			o.metrics.recordErrors.Add(1)
			o.report(c)
			return zero, nil
		}
		if !o.backoff(attempt, start) {
			c.attempts = attempt
			return zero, ErrStopped
		}
		o.metrics.retries.Add(1)
		attempt++
		v, verr := call(op)
		if verr == nil {
			c.attempts = attempt
			return v, nil
		}
		err = verr
	}
	o.metrics.recordFailures.Add(1)
	o.markFailed()
	c.err, c.attempts = err, attempt
	var herr error
	switch {
	case !c.stage.toleratesAny():
		herr = &HandlerError{Message: "Unhandled exception in error handler", Err: err}
	case !o.WithinToleranceLimits():
		herr = toleranceExceeded(err)
	default:
		o.metrics.recordsSkipped.Add(1)
	}
	o.metrics.recordErrors.Add(1)
	o.report(c)
	return zero, herr
}

func isRetriable(err error) bool {
	var r *connector.RetriableError
	return errors.As(err, &r)
}

// backoff waits before attempt+1 (Kafka's backoff): 300 ms doubling with each attempt; once that passes
// errors.retry.delay.max.ms, a random wait below it instead; never past the retry deadline. It reports false
// when stop closed first. (connector/backoff caps a delay at its maximum; Kafka's rule replaces it with a
// random one below, so that tasks retrying together spread out, and connectors' retry timing is kept.)
func (o *Operator) backoff(attempt int, start time.Time) bool {
	delay := firstRetryDelay
	for i := 1; i < attempt && delay <= o.cfg.RetryMaxDelay; i++ {
		delay *= 2
	}
	if delay > o.cfg.RetryMaxDelay {
		delay = 0
		if o.cfg.RetryMaxDelay > 0 {
			delay = o.jitter(o.cfg.RetryMaxDelay)
		}
	}
	if o.cfg.RetryTimeout >= 0 {
		delay = min(delay, max(0, time.Until(start.Add(o.cfg.RetryTimeout))))
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-o.stop:
		return false
	}
}

// ExecuteFailed records a failure that happened outside Execute, e.g. a record a sink task reported as
// errant (stage TASK_PUT) or one Kafka refused (KAFKA_PRODUCE) (Kafka's executeFailed). It reports the
// failure, and returns the report under way (nil when already persisted) and, when errors.tolerance does not
// allow the failure, a *HandlerError.
func (o *Operator) ExecuteFailed(c *Context, stage Stage, class string, err error) (*Completion, error) {
	o.markFailed()
	c.stage, c.class, c.err = stage, class, err
	o.metrics.recordFailures.Add(1)
	done := o.report(c)
	if !o.WithinToleranceLimits() {
		o.metrics.recordErrors.Add(1)
		return done, toleranceExceeded(err)
	}
	return done, nil
}

// report hands a copy of c to every reporter; the copy keeps c itself on its owner's stack. It returns the
// reports under way, nil when every reporter is done.
func (o *Operator) report(c *Context) *Completion {
	failed := *c
	var pending []*Completion
	for _, r := range o.reporters {
		if done := r.Report(&failed); done != nil {
			pending = append(pending, done)
		}
	}
	return allOf(pending)
}
