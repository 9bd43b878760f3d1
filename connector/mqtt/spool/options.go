package spool

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Options configure a spool. The zero value holds the defaults.
type Options struct {
	// MaxBytes bounds the entries appended and not yet committed, counted with their framing (8 bytes an
	// entry). Append waits while the next entry would exceed it. The disk holds at most MaxBytes plus one
	// segment (shipped entries stay until their whole segment is shipped), a segment header per segment and
	// the 64-byte checkpoint. Default 1 GiB (the connector sets it from mqtt.spool.max.bytes).
	MaxBytes int64

	// SegmentBytes is the size from which appends go to a new segment file; an entry larger than it gets a
	// segment of its own. Shipped entries leave the disk a whole segment at a time, so smaller segments free
	// space sooner and larger ones mean fewer files. Default 16 MiB, or MaxBytes/4 when that is smaller (but
	// at least 4 KiB).
	SegmentBytes int64

	// MaxDelay is how long the syncer lets the first entry of a batch wait for others before it writes and
	// syncs the batch, unless SyncBytes are waiting first. With 0 (the default) the syncer syncs as soon as
	// it is free, and the entries appended during one sync form the next batch: a batch grows with the load
	// and no entry waits for a timer. A delay only helps when many appenders each have many entries in
	// flight; an MQTT session has at most the broker's in-flight window unacknowledged (20 on Mosquitto, 32 on
	// EMQX by default), so waiting would only slow it down (see bench_test.go).
	MaxDelay time.Duration

	// SyncBytes ends MaxDelay's wait early once this many bytes wait to be written. Default 1 MiB.
	SyncBytes int64

	// CheckpointInterval is how often, at most, Commit writes the checkpoint (and syncs it) when no segment
	// becomes deletable; a segment is only deleted after a checkpoint past its last entry is durable. After a
	// crash, what was committed since the last checkpoint is read again. Default 1 s.
	CheckpointInterval time.Duration

	// SkipCorrupt makes Open go past durable entries it cannot read (see [CorruptError]) instead of failing:
	// each loss is logged at ERROR and listed in [Recovery].Lost, Read skips the lost sequence numbers, and a
	// segment with an unreadable header is renamed "<name>.corrupt" and left for inspection. Without it Open
	// fails, and the files stay as they are.
	SkipCorrupt bool

	// FS is the file system; nil means [OS].
	FS FS

	// Logger receives what recovery finds (torn tails at WARN, losses at ERROR); nil discards.
	Logger *slog.Logger
}

// Defaults.
const (
	defaultMaxBytes           = 1 << 30
	defaultSegmentBytes       = 16 << 20
	minSegmentBytes           = 4 << 10
	defaultSyncBytes          = 1 << 20
	defaultCheckpointInterval = time.Second

	// maxPendingBytes bounds the bytes appended and not yet written, so that a disk slower than the appenders
	// holds them back (Append waits, as for MaxBytes) rather than piling them up in memory. An entry alone
	// may exceed it.
	maxPendingBytes = 8 << 20
)

// withDefaults fills in the defaults and checks the options, reporting every problem at once.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	if o.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("MaxBytes %d is negative", o.MaxBytes))
	}
	if o.SegmentBytes < 0 {
		errs = append(errs, fmt.Errorf("SegmentBytes %d is negative", o.SegmentBytes))
	}
	if o.MaxDelay < 0 {
		errs = append(errs, fmt.Errorf("MaxDelay %v is negative", o.MaxDelay))
	}
	if o.SyncBytes < 0 {
		errs = append(errs, fmt.Errorf("SyncBytes %d is negative", o.SyncBytes))
	}
	if o.CheckpointInterval < 0 {
		errs = append(errs, fmt.Errorf("CheckpointInterval %v is negative", o.CheckpointInterval))
	}
	if len(errs) > 0 {
		return o, fmt.Errorf("spool: invalid options: %w", errors.Join(errs...))
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = defaultMaxBytes
	}
	if o.SegmentBytes == 0 {
		o.SegmentBytes = max(min(defaultSegmentBytes, o.MaxBytes/4), minSegmentBytes)
	}
	if o.SyncBytes == 0 {
		o.SyncBytes = defaultSyncBytes
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = defaultCheckpointInterval
	}
	if o.FS == nil {
		o.FS = OS
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
