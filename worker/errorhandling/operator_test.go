package errorhandling

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/connectd/connectd/connector"
)

// flaky returns an operation that fails retriably fails times, then returns "ok", and the times of its calls.
func flaky(fails int) (func() (string, error), *[]time.Duration) {
	var calls []time.Duration
	start := time.Now()
	return func() (string, error) {
		calls = append(calls, time.Since(start))
		if len(calls) <= fails {
			return "", connector.NewRetriableError(errors.New("store busy"))
		}
		return "ok", nil
	}, &calls
}

func millis(ds []time.Duration) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.Milliseconds()
	}
	return out
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestExecuteRetriesWithKafkasBackoff: a retriable failure is tried again after 300, 600, 1200 ms (Kafka's
// RetryWithToleranceOperatorTest: testExecAndHandleRetriableErrorThrice), and the record then goes through.
func TestExecuteRetriesWithKafkasBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &Metrics{}
		o := NewOperator(Config{RetryTimeout: 6 * time.Second, RetryMaxDelay: time.Minute}, m, nil)
		op, calls := flaky(3)
		var c Context
		got, err := Execute(o, &c, StageValueConverter, "conv", op)
		if err != nil || got != "ok" || c.Failed() || c.Attempts() != 4 {
			t.Fatalf("Execute = %q, %v (failed %v, attempts %d), want ok after 4 attempts", got, err, c.Failed(), c.Attempts())
		}
		if want := []int64{0, 300, 900, 2100}; !equal(millis(*calls), want) {
			t.Fatalf("calls at %v ms, want %v", millis(*calls), want)
		}
		s := m.Snapshot()
		if s.TotalRecordFailures != 3 || s.TotalRetries != 3 || s.TotalRecordErrors != 0 || s.TotalRecordsSkipped != 0 {
			t.Fatalf("metrics %+v, want 3 failures and 3 retries only", s)
		}
		if !o.WithinToleranceLimits() {
			t.Fatal("a failure retried away counts against errors.tolerance=none")
		}
	})
}

// TestExecuteRetryTimeoutExceeded: past errors.retry.timeout the record is skipped and reported, even under
// errors.tolerance=none, as Kafka does (testExecAndHandleRetriableErrorWithMaxRetriesExceeded: the last wait
// is cut to the deadline); the failure then counts against the tolerance.
func TestExecuteRetryTimeoutExceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &Metrics{}
		rep := &recordingReporter{}
		o := NewOperator(Config{RetryTimeout: 6 * time.Second, RetryMaxDelay: time.Minute}, m, nil, rep)
		op, calls := flaky(100)
		var c Context
		got, err := Execute(o, &c, StageTransformation, "t", op)
		if err != nil || got != "" || !c.Failed() {
			t.Fatalf("Execute = %q, %v (failed %v), want the record skipped", got, err, c.Failed())
		}
		if want := []int64{0, 300, 900, 2100, 4500, 6000}; !equal(millis(*calls), want) {
			t.Fatalf("calls at %v ms, want %v", millis(*calls), want)
		}
		s := m.Snapshot()
		if s.TotalRecordFailures != 6 || s.TotalRetries != 5 || s.TotalRecordErrors != 1 || s.TotalRecordsSkipped != 1 {
			t.Fatalf("metrics %+v, want 6 failures, 5 retries, 1 error, 1 skipped", s)
		}
		if len(rep.got) != 1 || rep.got[0].Stage() != StageTransformation || rep.got[0].Class() != "t" {
			t.Fatalf("reports %+v, want one for the transformation", rep.got)
		}
		if o.WithinToleranceLimits() {
			t.Fatal("a record skipped after its retries does not count against errors.tolerance=none")
		}
	})
}

// TestExecuteWithoutRetryTimeoutDoesNotRetry: errors.retry.timeout=0 (the default) gives up at once.
func TestExecuteWithoutRetryTimeoutDoesNotRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := NewOperator(Config{RetryMaxDelay: time.Minute, Tolerance: ToleranceAll}, &Metrics{}, nil)
		op, calls := flaky(1)
		var c Context
		if _, err := Execute(o, &c, StageKeyConverter, "k", op); err != nil || !c.Failed() || len(*calls) != 1 {
			t.Fatalf("err %v, failed %v, %d calls; want one call and the record skipped", err, c.Failed(), len(*calls))
		}
	})
}

// TestBackoffJittersBeyondMaxDelay: once doubling passes errors.retry.delay.max.ms, a random wait below it is
// used, and with errors.retry.timeout=-1 retries go on until the task stops.
func TestBackoffJittersBeyondMaxDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop := make(chan struct{})
		o := NewOperator(Config{RetryTimeout: -1, RetryMaxDelay: time.Second}, &Metrics{}, stop)
		var bounds []time.Duration
		o.jitter = func(n time.Duration) time.Duration { bounds = append(bounds, n); return 123 * time.Millisecond }
		op, calls := flaky(5)
		var c Context
		if got, err := Execute(o, &c, StageValueConverter, "v", op); err != nil || got != "ok" {
			t.Fatalf("Execute = %q, %v", got, err)
		}
		if want := []int64{0, 300, 900, 1023, 1146, 1269}; !equal(millis(*calls), want) {
			t.Fatalf("calls at %v ms, want %v", millis(*calls), want)
		}
		if len(bounds) != 3 || bounds[0] != time.Second {
			t.Fatalf("jitter bounds %v, want three below the 1 s maximum", bounds)
		}

		called := make(chan time.Duration)
		start := time.Now()
		forever := func() (string, error) {
			select {
			case called <- time.Since(start):
			case <-stop:
			}
			return "", connector.NewRetriableError(errors.New("store busy"))
		}
		done := make(chan error, 1)
		go func() {
			var c Context
			_, err := Execute(o, &c, StageValueConverter, "v", forever)
			done <- err
		}()
		var last time.Duration
		for range 100 {
			last = <-called
		}
		close(stop)
		if want := 900*time.Millisecond + 97*123*time.Millisecond; last != want {
			t.Fatalf("100th call after %v, want %v: 300 and 600 ms, then the jittered waits", last, want)
		}
		if err := <-done; !errors.Is(err, ErrStopped) {
			t.Fatalf("Execute after stop = %v, want ErrStopped", err)
		}
	})
}

// TestTolerance: Kafka's TOLERABLE_EXCEPTIONS and errors.tolerance.
func TestTolerance(t *testing.T) {
	bad := connector.NewDataError("bad data")
	fail := func() (int, error) { return 0, bad }
	for _, tc := range []struct {
		name      string
		tolerance Tolerance
		stage     Stage
		want      string // "" for tolerated
	}{
		{"converter none", ToleranceNone, StageValueConverter, "Tolerance exceeded in error handler: bad data"},
		{"converter all", ToleranceAll, StageValueConverter, ""},
		{"header converter all", ToleranceAll, StageHeaderConverter, ""},
		{"transformation all", ToleranceAll, StageTransformation, ""},
		{"put all", ToleranceAll, StageTaskPut, "Unhandled exception in error handler: bad data"},
		{"produce all", ToleranceAll, StageKafkaProduce, "Unhandled exception in error handler: bad data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Metrics{}
			rep := &recordingReporter{}
			o := NewOperator(Config{Tolerance: tc.tolerance}, m, nil, rep)
			var c Context
			_, err := Execute(o, &c, tc.stage, "cls", fail)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || err.Error() != tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !c.Failed() || !errors.Is(c.Err(), bad) || len(rep.got) != 1 {
				t.Fatalf("context failed %v with %v, %d reports; want the failure recorded and reported once", c.Failed(), c.Err(), len(rep.got))
			}
			var h *HandlerError
			if tc.want != "" && (!errors.As(err, &h) || h.JavaClass() != "org.apache.kafka.connect.errors.ConnectException") {
				t.Fatalf("err %T is not a ConnectException", err)
			}
			s := m.Snapshot()
			skipped := int64(0)
			if tc.want == "" {
				skipped = 1
			}
			if s.TotalRecordFailures != 1 || s.TotalRecordErrors != 1 || s.TotalRecordsSkipped != skipped || s.LastErrorTimestamp.IsZero() {
				t.Fatalf("metrics %+v", s)
			}
		})
	}
}

// TestFailedContextSkipsLaterStages: once an operation failed, the record's later operations do not run.
func TestFailedContextSkipsLaterStages(t *testing.T) {
	o := NewOperator(Config{Tolerance: ToleranceAll}, &Metrics{}, nil)
	var c Context
	if _, err := Execute(o, &c, StageKeyConverter, "k", func() (int, error) { return 0, errors.New("no") }); err != nil {
		t.Fatal(err)
	}
	ran := false
	v, err := Execute(o, &c, StageValueConverter, "v", func() (int, error) { ran = true; return 1, nil })
	if ran || v != 0 || err != nil || !c.Failed() {
		t.Fatalf("value stage ran %v, got %d, %v; want it skipped", ran, v, err)
	}
}

// TestPanicIsAFailure: a panicking converter fails its operation instead of the worker.
func TestPanicIsAFailure(t *testing.T) {
	o := NewOperator(Config{Tolerance: ToleranceAll}, &Metrics{}, nil)
	var c Context
	_, err := Execute(o, &c, StageTransformation, "t", func() (int, error) { panic("boom") })
	var p *PanicError
	if err != nil || !errors.As(c.Err(), &p) || p.Value != "boom" || len(p.Stack) == 0 {
		t.Fatalf("err %v, context error %v; want a tolerated *PanicError", err, c.Err())
	}
	if st := Stacktrace(c.Err()); !strings.HasPrefix(st, DefaultExceptionClass+": panic: boom\n") {
		t.Fatalf("stack trace %q does not start with the panic", st)
	}
}

// TestExecuteFailed: the errant record path counts against tolerance at once (Kafka's testExecuteFailed and
// testExecuteFailedNoTolerance).
func TestExecuteFailed(t *testing.T) {
	for _, tol := range []Tolerance{ToleranceNone, ToleranceAll} {
		m := &Metrics{}
		rep := &recordingReporter{}
		o := NewOperator(Config{Tolerance: tol}, m, nil, rep)
		var c Context
		_, err := o.ExecuteFailed(&c, StageTaskPut, ClassSinkTask, errors.New("cannot write"))
		if (err != nil) != (tol == ToleranceNone) {
			t.Fatalf("tolerance %s: err %v", tol, err)
		}
		if len(rep.got) != 1 || rep.got[0].Stage() != StageTaskPut || rep.got[0].Class() != ClassSinkTask {
			t.Fatalf("tolerance %s: reports %v", tol, rep.got)
		}
		s := m.Snapshot()
		if s.TotalRecordFailures != 1 || s.TotalRecordErrors != map[Tolerance]int64{ToleranceNone: 1, ToleranceAll: 0}[tol] {
			t.Fatalf("tolerance %s: metrics %+v", tol, s)
		}
	}
}

// recordingReporter keeps what it is given.
type recordingReporter struct{ got []*Context }

func (r *recordingReporter) Report(c *Context) *Completion { r.got = append(r.got, c); return nil }
func (r *recordingReporter) Close() error                  { return nil }
