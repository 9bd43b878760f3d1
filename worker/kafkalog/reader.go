package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// Run reads every partition of the topic from the beginning (no consumer group, no committed offsets) and
// passes each record to OnRecord until ctx ends or the Log is closed; then it returns nil once its
// goroutines have stopped. It follows partition leaders as they move and survives broker restarts. A
// partition whose position falls out of the log (records deleted under it) is read again from its earliest
// offset, as Connect's consumer does with auto.offset.reset=earliest.
//
// Run may be called once.
func (l *Log) Run(ctx context.Context) error {
	if !l.running.CompareAndSwap(false, true) {
		return errors.New("kafkalog: Run called more than once")
	}
	select {
	case <-l.closed:
		return ErrClosed
	default:
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-l.closed:
			cancel()
		case <-ctx.Done():
		}
	})
	defer wg.Wait()

	parts, err := l.waitForPartitions(ctx)
	if err != nil {
		return nil // ctx ended before the topic had partitions
	}
	r := newReader(l, parts)
	r.run(ctx)
	return nil
}

// waitForPartitions returns the topic's partitions, retrying while the topic's metadata is missing (a topic
// just created may not be known to every broker yet).
func (l *Log) waitForPartitions(ctx context.Context) ([]int32, error) {
	base := l.client.Config().Metadata.Retry.Backoff
	for attempt := 0; ; attempt++ {
		parts, err := l.client.Partitions(l.topic)
		if err == nil && len(parts) > 0 {
			return slices.Sorted(slices.Values(parts)), nil
		}
		if err == nil {
			err = errors.New("topic has no partitions")
		}
		if attempt%10 == 9 {
			l.log.Warn("waiting for topic metadata", "topic", l.topic, "err", err)
		}
		_ = l.client.RefreshMetadata(l.topic)
		if err := l.sleep(ctx, retryDelay(base, attempt)); err != nil {
			return nil, err
		}
	}
}

// partitionsRequest asks Run for the partitions it reads.
type partitionsRequest chan []int32

// endWaiter is a ReadToEnd call waiting for the positions to reach ends.
type endWaiter struct {
	ends map[int32]int64
	done chan struct{}
}

// ReadToEnd returns once every record below the end offsets the partitions had when it was called has been
// passed to OnRecord (Connect's readToEnd fence). Run must be running, or be started, for it to return
// nil. End offsets are listed again until ctx ends if brokers fail.
func (l *Log) ReadToEnd(ctx context.Context) error {
	req := make(partitionsRequest, 1)
	if err := l.send(ctx, req); err != nil {
		return err
	}
	var parts []int32
	select {
	case parts = <-req:
	case <-ctx.Done():
		return l.wrap("read to end of", ctx.Err())
	case <-l.closed:
		return ErrClosed
	}
	ends, err := l.endOffsets(ctx, parts)
	if err != nil {
		return err
	}
	w := &endWaiter{ends: ends, done: make(chan struct{})}
	if err := l.send(ctx, w); err != nil {
		return err
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return l.wrap("read to end of", ctx.Err())
	case <-l.closed:
		return ErrClosed
	}
}

func (l *Log) send(ctx context.Context, req any) error {
	select {
	case l.reqs <- req:
		return nil
	case <-ctx.Done():
		return l.wrap("read to end of", ctx.Err())
	case <-l.closed:
		return ErrClosed
	}
}

// endOffsets lists the high watermark of every partition, retrying each until ctx ends.
func (l *Log) endOffsets(ctx context.Context, parts []int32) (map[int32]int64, error) {
	base := l.client.Config().Metadata.Retry.Backoff
	ends := make(map[int32]int64, len(parts))
	for _, p := range parts {
		for attempt := 0; ; attempt++ {
			off, err := l.client.GetOffset(l.topic, p, sarama.OffsetNewest)
			if err == nil {
				ends[p] = off
				break
			}
			l.log.Warn("list end offset failed, retrying", "topic", l.topic, "partition", p, "err", err)
			_ = l.client.RefreshMetadata(l.topic)
			if serr := l.sleep(ctx, retryDelay(base, attempt)); serr != nil {
				return nil, l.wrap(fmt.Sprintf("list end offset of partition %d of", p),
					fmt.Errorf("%w (last error: %v)", serr, err))
			}
		}
	}
	return ends, nil
}

// reader is Run's state. Only the Run goroutine touches it; fetchers talk to it through channels.
type reader struct {
	l     *Log
	parts []int32
	// pos is the position OnRecord has reached: the offset after the last record delivered (or the log
	// start while nothing was delivered); -1 until known.
	pos map[int32]int64
	// next is where the partition's next fetcher starts; it differs from pos only after a fetcher reset the
	// partition to its earliest offset and lost it before reading anything.
	next     map[int32]int64
	owner    map[int32]*fetcher
	fetchers map[int32]*fetcher // by broker id
	waiters  []*endWaiter

	events   chan fetchEvent
	resolved chan resolveResult

	resolving   bool
	resolveDue  bool
	resolveWait <-chan time.Time
	resolveFail int
	lostStreak  int // partitions lost since the last record or position arrived
	wg          sync.WaitGroup
}

func newReader(l *Log, parts []int32) *reader {
	r := &reader{
		l:          l,
		parts:      parts,
		pos:        make(map[int32]int64, len(parts)),
		next:       make(map[int32]int64, len(parts)),
		owner:      make(map[int32]*fetcher, len(parts)),
		fetchers:   make(map[int32]*fetcher),
		events:     make(chan fetchEvent),
		resolved:   make(chan resolveResult),
		resolveDue: true,
	}
	for _, p := range parts {
		r.pos[p], r.next[p] = -1, -1
	}
	return r
}

// run is the single goroutine that owns the reader state, calls OnRecord and answers ReadToEnd.
func (r *reader) run(ctx context.Context) {
	defer r.wg.Wait()
	for {
		if r.resolveDue && !r.resolving && r.unassigned() > 0 {
			r.startResolve(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case ev := <-r.events:
			r.handle(ev)
		case res := <-r.resolved:
			r.assign(ctx, res)
		case <-r.resolveWait:
			r.resolveWait = nil
			r.resolveDue = true
		case req := <-r.l.reqs:
			switch req := req.(type) {
			case partitionsRequest:
				req <- slices.Clone(r.parts)
			case *endWaiter:
				r.waiters = append(r.waiters, req)
				r.checkWaiters()
			}
		}
	}
}

func (r *reader) unassigned() int {
	n := 0
	for _, p := range r.parts {
		if r.owner[p] == nil {
			n++
		}
	}
	return n
}

// handle applies one fetcher event.
func (r *reader) handle(ev fetchEvent) {
	if ev.lost != nil {
		for p, pos := range ev.lost {
			r.owner[p] = nil
			r.next[p] = pos
		}
		r.l.log.Debug("partitions lost their leader", "topic", r.l.topic, "partitions", len(ev.lost), "err", ev.err)
		// Metadata may still name the broker that just failed; back off further each time in a row.
		r.scheduleResolve(retryDelay(r.l.client.Config().Metadata.Retry.Backoff, r.lostStreak))
		r.lostStreak++
		return
	}
	r.lostStreak = 0
	for _, rec := range ev.records {
		r.l.onRecord(rec)
	}
	r.pos[ev.partition] = ev.next
	r.next[ev.partition] = ev.next
	r.checkWaiters()
}

func (r *reader) checkWaiters() {
	kept := r.waiters[:0]
	for _, w := range r.waiters {
		if r.reached(w.ends) {
			close(w.done)
			continue
		}
		kept = append(kept, w)
	}
	clear(r.waiters[len(kept):])
	r.waiters = kept
}

func (r *reader) reached(ends map[int32]int64) bool {
	for p, end := range ends {
		pos, ok := r.pos[p]
		if !ok {
			continue // not a partition Run reads; nothing to wait for
		}
		if pos < 0 || pos < end {
			return false
		}
	}
	return true
}

// scheduleResolve arranges for leaders to be looked up again after d, unless a lookup is already due.
func (r *reader) scheduleResolve(d time.Duration) {
	if r.resolveDue || r.resolveWait != nil {
		return
	}
	if d <= 0 {
		r.resolveDue = true
		return
	}
	r.resolveWait = time.After(d)
}

// leader is a partition leader as metadata reported it.
type leader struct {
	id   int32
	addr string
}

type resolveResult struct {
	leaders map[int32]leader
	err     error // the last lookup error, when some partition has no known leader
}

// startResolve looks up the leaders of unassigned partitions in the background: metadata requests block
// for as long as the brokers take, and Run must keep answering.
func (r *reader) startResolve(ctx context.Context) {
	var todo []int32
	for _, p := range r.parts {
		if r.owner[p] == nil {
			todo = append(todo, p)
		}
	}
	r.resolving, r.resolveDue = true, false
	client, topic := r.l.client, r.l.topic
	r.wg.Go(func() {
		res := resolveResult{leaders: make(map[int32]leader, len(todo))}
		if err := client.RefreshMetadata(topic); err != nil {
			res.err = err
		}
		for _, p := range todo {
			b, err := client.Leader(topic, p)
			if err != nil {
				res.err = err
				continue
			}
			res.leaders[p] = leader{id: b.ID(), addr: b.Addr()}
		}
		select {
		case r.resolved <- res:
		case <-ctx.Done():
		}
	})
}

// assign hands partitions whose leader is known to that broker's fetcher.
func (r *reader) assign(ctx context.Context, res resolveResult) {
	r.resolving = false
	for p, ld := range res.leaders {
		if r.owner[p] != nil {
			continue
		}
		f := r.fetchers[ld.id]
		if f == nil {
			f = newFetcher(r, ld.id)
			r.fetchers[ld.id] = f
			r.wg.Go(func() { f.run(ctx) })
		}
		f.add(p, r.next[p], ld.addr)
		r.owner[p] = f
	}
	if r.unassigned() == 0 {
		r.resolveFail = 0
		return
	}
	r.l.log.Warn("no leader for some partitions, retrying", "topic", r.l.topic, "err", res.err)
	r.scheduleResolve(retryDelay(r.l.client.Config().Metadata.Retry.Backoff, r.resolveFail))
	r.resolveFail++
}
