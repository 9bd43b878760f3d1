package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// fetchEvent is what a fetcher reports to Run: either records (possibly none) and the partition's new
// position, or partitions it gave up because their leader moved or its broker failed.
type fetchEvent struct {
	partition int32
	records   []Record
	next      int64

	lost map[int32]int64 // partition → position to resume from (-1: earliest)
	err  error
}

// fetcher reads the partitions led by one broker over its own connection. It owns their fetch positions
// while it has them and hands a partition back to Run (with its position) when that broker stops leading it.
type fetcher struct {
	r  *reader
	id int32

	mu      sync.Mutex
	addr    string
	pending map[int32]int64
	wake    chan struct{}
}

func newFetcher(r *reader, id int32) *fetcher {
	return &fetcher{r: r, id: id, pending: make(map[int32]int64), wake: make(chan struct{}, 1)}
}

// add gives the fetcher a partition to read from pos (-1: from its earliest offset). It never blocks, so
// Run can call it while the fetcher is waiting to report to Run.
func (f *fetcher) add(p int32, pos int64, addr string) {
	f.mu.Lock()
	f.addr = addr
	f.pending[p] = pos
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *fetcher) take() (string, map[int32]int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pending
	f.pending = make(map[int32]int64)
	return f.addr, p
}

// fetchPartition is a partition's fetch state.
type fetchPartition struct {
	pos  int64 // next offset to fetch; -1: look up the earliest offset first
	size int32 // per-partition max bytes; grows when a batch does not fit
}

// leadershipErrors mean the partition must be looked up again: its leader moved or is unknown.
var leadershipErrors = []sarama.KError{
	sarama.ErrNotLeaderForPartition, sarama.ErrLeaderNotAvailable, sarama.ErrUnknownTopicOrPartition,
	sarama.ErrReplicaNotAvailable, sarama.ErrFencedLeaderEpoch, sarama.ErrUnknownLeaderEpoch,
	sarama.ErrKafkaStorageError, sarama.ErrOffsetNotAvailable,
}

func (f *fetcher) run(ctx context.Context) {
	l := f.r.l
	conf := l.client.Config()
	var (
		conn     *sarama.Broker
		connAddr string
		parts    = make(map[int32]*fetchPartition)
		failures int
	)
	closeConn := func() {
		if conn != nil {
			_ = conn.Close()
			conn = nil
		}
	}
	defer closeConn()
	// loseAll hands every partition back to Run after a connection failure.
	loseAll := func(err error) bool {
		closeConn()
		lost := make(map[int32]int64, len(parts))
		for p, fp := range parts {
			lost[p] = fp.pos
		}
		clear(parts)
		l.log.Warn("fetch connection failed", "topic", l.topic, "broker", connAddr, "err", err)
		return f.report(ctx, fetchEvent{lost: lost, err: err})
	}
	for ctx.Err() == nil {
		addr, added := f.take()
		for p, pos := range added {
			parts[p] = &fetchPartition{pos: pos, size: conf.Consumer.Fetch.Default}
		}
		if conn != nil && connAddr != addr {
			closeConn()
		}
		if len(parts) == 0 {
			closeConn() // idle: this broker leads none of our partitions now
			select {
			case <-f.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		if conn == nil {
			c, err := f.open(addr)
			connAddr = addr
			if err != nil {
				if !loseAll(err) {
					return
				}
				continue
			}
			conn = c
		}
		if err := f.resolveEarliest(ctx, conn, parts); err != nil {
			if ctx.Err() != nil || !loseAll(err) {
				return
			}
			continue
		}
		if len(parts) == 0 {
			continue
		}
		resp, err := conn.Fetch(f.request(parts))
		if err != nil {
			if ctx.Err() != nil || !loseAll(err) {
				return
			}
			continue
		}
		progress, stuck, ok := f.apply(ctx, resp, parts)
		if !ok {
			return
		}
		if progress || !stuck {
			failures = 0
			continue
		}
		// Errors without progress: back off rather than spin on the broker.
		if err := l.sleep(ctx, retryDelay(conf.Consumer.Retry.Backoff, failures)); err != nil {
			return
		}
		failures++
	}
}

// report sends ev to Run; false when ctx ended first.
func (f *fetcher) report(ctx context.Context, ev fetchEvent) bool {
	select {
	case f.r.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// open connects to the leader with the shared client's configuration. The connection is the fetcher's own
// so that long-polling fetches never queue in front of produce or group requests.
func (f *fetcher) open(addr string) (*sarama.Broker, error) {
	conf := *f.r.l.client.Config()
	b := sarama.NewBroker(addr)
	if err := b.Open(&conf); err != nil {
		return nil, fmt.Errorf("open fetch connection to %s: %w", addr, err)
	}
	if ok, err := b.Connected(); !ok {
		if err == nil {
			err = sarama.ErrNotConnected
		}
		return nil, fmt.Errorf("open fetch connection to %s: %w", addr, err)
	}
	return b, nil
}

// resolveEarliest looks up the log start offset of partitions that have no position yet and reports it to
// Run as their position. A partition this broker no longer leads is handed back; a transport failure is
// returned.
func (f *fetcher) resolveEarliest(ctx context.Context, conn *sarama.Broker, parts map[int32]*fetchPartition) error {
	l := f.r.l
	var todo []int32
	for p, fp := range parts {
		if fp.pos < 0 {
			todo = append(todo, p)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	req := sarama.NewOffsetRequest(l.client.Config().Version)
	for _, p := range todo {
		req.AddBlock(l.topic, p, sarama.OffsetOldest, 1)
	}
	resp, err := conn.GetAvailableOffsets(req)
	if err != nil {
		return fmt.Errorf("list earliest offsets: %w", err)
	}
	lost := make(map[int32]int64)
	var lostErr error
	for _, p := range slices.Sorted(slices.Values(todo)) {
		block := resp.GetBlock(l.topic, p)
		switch {
		case block == nil:
			lost[p], lostErr = -1, sarama.ErrIncompleteResponse
		case !errors.Is(block.Err, sarama.ErrNoError):
			lost[p], lostErr = -1, block.Err
		case len(block.Offsets) != 1:
			lost[p], lostErr = -1, sarama.ErrIncompleteResponse
		default:
			parts[p].pos = block.Offsets[0]
			if !f.report(ctx, fetchEvent{partition: p, next: block.Offsets[0]}) {
				return ctx.Err()
			}
			continue
		}
		delete(parts, p)
	}
	if len(lost) > 0 && !f.report(ctx, fetchEvent{lost: lost, err: lostErr}) {
		return ctx.Err()
	}
	return nil
}

// request builds a Fetch for every partition at its position, with the version sarama's own consumer
// would pick for the configured Kafka version (the broker connection lowers it to what the broker
// supports). No fetch session: the request always lists every partition.
func (f *fetcher) request(parts map[int32]*fetchPartition) *sarama.FetchRequest {
	conf := f.r.l.client.Config()
	req := &sarama.FetchRequest{
		MinBytes:    conf.Consumer.Fetch.Min,
		MaxWaitTime: int32(conf.Consumer.MaxWaitTime / time.Millisecond),
	}
	switch v := conf.Version; {
	case v.IsAtLeast(sarama.V2_7_0_0):
		req.Version = 12
	case v.IsAtLeast(sarama.V2_3_0_0):
		req.Version = 11
	case v.IsAtLeast(sarama.V2_1_0_0):
		req.Version = 10
	case v.IsAtLeast(sarama.V2_0_0_0):
		req.Version = 8
	case v.IsAtLeast(sarama.V1_1_0_0):
		req.Version = 7
	case v.IsAtLeast(sarama.V1_0_0_0):
		req.Version = 6
	case v.IsAtLeast(sarama.V0_11_0_0):
		req.Version = 5
	case v.IsAtLeast(sarama.V0_10_1_0):
		req.Version = 3
	case v.IsAtLeast(sarama.V0_10_0_0):
		req.Version = 2
	case v.IsAtLeast(sarama.V0_9_0_0):
		req.Version = 1
	}
	if req.Version >= 3 {
		req.MaxBytes = conf.Consumer.Fetch.MaxBytes
	}
	if req.Version >= 4 {
		req.Isolation = sarama.ReadUncommitted
	}
	if req.Version >= 7 {
		req.SessionID, req.SessionEpoch = 0, -1
	}
	for _, p := range slices.Sorted(maps.Keys(parts)) {
		req.AddBlock(f.r.l.topic, p, parts[p].pos, parts[p].size, -1)
	}
	return req
}

// apply reports the records of a fetch response to Run and advances positions. progress says some
// position moved; stuck says some partition failed or made no progress although the broker has data past
// its position. ok is false when ctx ended.
func (f *fetcher) apply(ctx context.Context, resp *sarama.FetchResponse, parts map[int32]*fetchPartition) (progress, stuck, ok bool) {
	l := f.r.l
	conf := l.client.Config()
	lost := make(map[int32]int64)
	var lostErr error
	for _, p := range slices.Sorted(maps.Keys(parts)) {
		fp := parts[p]
		block := resp.GetBlock(l.topic, p)
		switch {
		case block == nil:
			stuck = true
		case errors.Is(block.Err, sarama.ErrNoError):
			recs, next, partial := decodeBlock(block, p, fp.pos)
			if next > fp.pos || len(recs) > 0 {
				fp.pos = next
				fp.size = conf.Consumer.Fetch.Default
				progress = true
				if !f.report(ctx, fetchEvent{partition: p, records: recs, next: next}) {
					return progress, stuck, false
				}
				continue
			}
			if partial {
				// Only part of a batch fit: ask for more, as the Java consumer's KIP-74 fallback would.
				fp.size = growFetchSize(fp.size, conf.Consumer.Fetch.Max)
				continue
			}
			if block.HighWaterMarkOffset > fp.pos {
				stuck = true
				l.log.Warn("fetch returned no records below the high watermark", "topic", l.topic,
					"partition", p, "offset", fp.pos, "high_watermark", block.HighWaterMarkOffset)
			}
		case errors.Is(block.Err, sarama.ErrOffsetOutOfRange):
			// auto.offset.reset=earliest: the records under our position are gone (or the log was
			// truncated below it); start over from the log start.
			l.log.Warn("fetch position out of range, resetting to earliest", "topic", l.topic,
				"partition", p, "offset", fp.pos, "log_start_offset", block.LogStartOffset)
			fp.pos = -1
			progress = true
		case slices.Contains(leadershipErrors, block.Err):
			lost[p], lostErr = fp.pos, block.Err
			delete(parts, p)
		default:
			stuck = true
			l.log.Warn("fetch failed, retrying", "topic", l.topic, "partition", p, "err", block.Err)
		}
	}
	if len(lost) > 0 {
		progress = true
		if !f.report(ctx, fetchEvent{lost: lost, err: lostErr}) {
			return progress, stuck, false
		}
	}
	return progress, stuck, true
}

func growFetchSize(size, limit int32) int32 {
	size = max(size, 1024)
	if size > (1<<31-1)/2 {
		size = 1<<31 - 1
	} else {
		size *= 2
	}
	if limit > 0 && size > limit {
		size = limit
	}
	return size
}

// decodeBlock returns the data records at or after pos and the position after the last batch, which moves
// past transaction markers and past records compaction removed from the end of a batch, as the Java
// consumer's position does. partial says the response held only an incomplete batch.
func decodeBlock(block *sarama.FetchResponseBlock, partition int32, pos int64) (recs []Record, next int64, partial bool) {
	next = pos
	partial = block.Partial
	for _, set := range block.RecordsSet {
		switch {
		case set.RecordBatch != nil:
			b := set.RecordBatch
			if b.PartialTrailingRecord {
				partial = true
				continue
			}
			if !b.Control {
				for _, rec := range b.Records {
					off := b.FirstOffset + rec.OffsetDelta
					if off < pos {
						continue
					}
					ts := b.FirstTimestamp.Add(rec.TimestampDelta)
					if b.LogAppendTime {
						ts = b.MaxTimestamp
					}
					recs = append(recs, Record{Key: rec.Key, Value: rec.Value, Partition: partition, Offset: off, Timestamp: ts})
				}
			}
			next = max(next, b.LastOffset()+1)
		case set.MsgSet != nil:
			if set.MsgSet.PartialTrailingMessage && len(set.MsgSet.Messages) == 0 {
				partial = true
			}
			for _, block := range set.MsgSet.Messages {
				inner := block.Messages()
				for _, msg := range inner {
					off := msg.Offset
					ts := msg.Msg.Timestamp
					if msg.Msg.Version >= 1 {
						// Inner offsets of a compressed v1 message are relative to the wrapper's last.
						off += block.Offset - inner[len(inner)-1].Offset
						if msg.Msg.LogAppendTime {
							ts = block.Msg.Timestamp
						}
					}
					if off < pos {
						continue
					}
					recs = append(recs, Record{Key: msg.Msg.Key, Value: msg.Msg.Value, Partition: partition, Offset: off, Timestamp: ts})
					next = max(next, off+1)
				}
				next = max(next, block.Offset+1)
			}
		}
	}
	return recs, next, partial
}
