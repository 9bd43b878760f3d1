package worker

import (
	"context"
	"sync"
	"time"
)

// supervisor owns goroutines, as nats-server's startGoRoutine with its WaitGroup and nomad's shutdown group
// do: Go starts a goroutine with a context derived from the supervisor's, and Stop cancels them all and waits
// for every one still counted. Once Stop has begun Go starts nothing.
//
// It lives unexported in worker because only the worker's runtimes use it; unlike a WaitGroup it lets the
// herder give up on one goroutine (routine.abandon), which is what Kafka Connect does with a task that does
// not stop in time, without making the worker's shutdown wait for it. awaitAll still waits for abandoned
// goroutines, up to a deadline.
type supervisor struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
	live    map[*routine]struct{} // every routine whose function has not returned, abandoned ones included
}

func newSupervisor(parent context.Context) *supervisor {
	ctx, cancel := context.WithCancel(parent)
	return &supervisor{ctx: ctx, cancel: cancel, live: make(map[*routine]struct{})}
}

// routine is one goroutine of a supervisor.
type routine struct {
	cancel  context.CancelFunc
	done    chan struct{}
	release func() // stops the supervisor counting the goroutine; idempotent
}

// Go runs f on a new goroutine with a context of its own, cancelled by the routine's cancel or by Stop. When
// Stop has begun f does not run and the routine is done at once.
func (s *supervisor) Go(f func(ctx context.Context)) *routine {
	ctx, cancel := context.WithCancel(s.ctx)
	r := &routine{cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		cancel()
		close(r.done)
		r.release = func() {}
		return r
	}
	s.wg.Add(1)
	s.live[r] = struct{}{}
	r.release = sync.OnceFunc(s.wg.Done)
	go func() {
		defer r.release()
		defer func() {
			s.mu.Lock()
			delete(s.live, r)
			s.mu.Unlock()
		}()
		defer close(r.done)
		defer cancel()
		f(ctx)
	}()
	return r
}

// Stop cancels every routine's context, then waits for those not abandoned. It is idempotent.
func (s *supervisor) Stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// awaitAll waits until every routine's function has returned, abandoned ones included, or until deadline; it
// reports whether they all returned. It does not cancel them.
func (s *supervisor) awaitAll(deadline time.Time) bool {
	s.mu.Lock()
	rs := make([]*routine, 0, len(s.live))
	for r := range s.live {
		rs = append(rs, r)
	}
	s.mu.Unlock()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for _, r := range rs {
		select {
		case <-r.done:
		case <-timer.C:
			return false
		}
	}
	return true
}

// Done is closed when the routine's function has returned.
func (r *routine) Done() <-chan struct{} { return r.done }

// stop cancels the routine and waits for its function to return.
func (r *routine) stop() {
	r.cancel()
	<-r.done
}

// abandon cancels the routine and stops its supervisor waiting for it in Stop: its function is stuck in code
// that ignores cancellation (a plugin), and nothing the worker does can end it. Its goroutine ends whenever
// that code returns; awaitAll still waits for it.
func (r *routine) abandon() {
	r.cancel()
	r.release()
}
