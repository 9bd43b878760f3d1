package connector

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Type is the kind of a connector plugin, as Kafka Connect names it in REST answers.
type Type string

// Connector plugin types. Unknown is reported for a connector whose class no longer resolves.
const (
	Source  Type = "source"
	Sink    Type = "sink"
	Unknown Type = "unknown"
)

// Connector is one running instance of a connector plugin. It turns the connector's configuration into the
// configurations of its tasks; the tasks move the data.
//
// The worker calls Start once, TaskConfigs any number of times while started, and Stop once, one call at a
// time from one goroutine of the connector's own (never from the worker's control loop, so a slow call delays
// only this connector). Each call gets a context that ends at the call's deadline, or when the worker gives up
// on the instance; a call should return soon after its context ends. A Start that overruns its deadline fails
// the connector; a Stop that overruns it abandons the instance.
type Connector interface {
	// Start begins the connector with its validated configuration (defaults are not filled in; use the
	// plugin's Spec to parse). The Context stays valid until Stop returns; ctx only bounds Start itself.
	Start(ctx context.Context, cc Context, config map[string]string) error
	// TaskConfigs returns at most maxTasks task configurations. The worker adds task.class itself.
	TaskConfigs(ctx context.Context, maxTasks int) ([]map[string]string, error)
	// Stop releases what Start acquired.
	Stop(ctx context.Context) error
}

// Context is what the worker offers a running Connector.
type Context interface {
	// RequestTaskReconfiguration asks the worker to call TaskConfigs again and republish the result, e.g.
	// because the set of inputs the connector watches has changed.
	RequestTaskReconfiguration()
	// RaiseError marks the connector FAILED with err as its trace.
	RaiseError(err error)
	// Logger is the connector's logger, already carrying its name.
	Logger() *slog.Logger
}

// OffsetReader reads the last committed source offsets of the connector that owns a task.
type OffsetReader interface {
	// Offset returns the offset committed for partition, or nil when there is none.
	Offset(partition map[string]any) map[string]any
}

// SourceTaskContext is what the worker offers a running SourceTask.
type SourceTaskContext interface {
	// Offsets reads the offsets the connector's tasks committed before.
	Offsets() OffsetReader
	// Logger is the task's logger, already carrying the connector name and task id.
	Logger() *slog.Logger
}

// KeyedLogOpener is offered by the SourceTaskContext of a worker that can keep a log of keyed records in a
// Kafka topic for a task (check with a type assertion). The worker connects with its own Kafka client settings
// (security protocol, SASL, TLS), so the plugin needs none of them.
type KeyedLogOpener interface {
	// OpenKeyedLog opens spec.Topic, creating it compacted when it is missing, and starts reading it from the
	// beginning. The task must Close the log; the worker closes logs a task left open once the task has stopped.
	OpenKeyedLog(ctx context.Context, spec KeyedLogSpec) (KeyedLog, error)
}

// KeyedLogSpec describes a keyed log to open.
type KeyedLogSpec struct {
	// Topic is the topic the log lives in. Required.
	Topic string
	// Bootstrap lists the bootstrap servers of the cluster holding the topic; empty means the worker's cluster.
	Bootstrap []string
	// OnRecord is called for every record read, from one goroutine, in offset order within a partition. A nil
	// value is a tombstone. It must not call ReadToEnd. Required.
	OnRecord func(key, value []byte)
}

// KeyedRecord is one record of a KeyedLog. A nil Value is a tombstone.
type KeyedRecord struct {
	Key, Value []byte
}

// KeyedLog is a Kafka topic read from the beginning and appended to with acks=all.
type KeyedLog interface {
	// ReadToEnd returns once every record below the end offsets the topic's partitions had when it was called
	// (as Kafka lists them, not as the last record read suggests) has been passed to OnRecord. Records removed
	// by compaction and transaction markers do not hold it up.
	ReadToEnd(ctx context.Context) error
	// Append writes records in order and returns once Kafka has acknowledged all of them with acks=all.
	Append(ctx context.Context, recs ...KeyedRecord) error
	// Close stops reading, waits for what Append has handed to Kafka, and releases the log's connections. It is
	// idempotent.
	Close() error
}

// SourceTask reads records from an external system.
//
// The worker calls Start once, then Poll in a loop from one goroutine, and finally Stop after the poll loop has
// returned. Poll must return when its context is cancelled; Start and Stop should return soon after theirs is
// (the worker cancels them when it gives up on the task, e.g. past task.shutdown.graceful.timeout.ms). Start's
// context stays live after Start returns, until the task has stopped or the worker gives up on it, so a task may
// watch it to let go early of what a next instance of it needs (a spool's directory).
type SourceTask interface {
	Start(ctx context.Context, tc SourceTaskContext, config map[string]string) error
	// Poll returns the next batch of records. An empty batch with a nil error is allowed: the worker calls Poll
	// again. A non-nil error fails the task.
	Poll(ctx context.Context) ([]*SourceRecord, error)
	Stop(ctx context.Context) error
}

// SpoolDirProvider is offered by the SourceTaskContext of a worker that keeps a local directory for its tasks'
// spools (the worker property spool.dir); check with a type assertion. A task that acknowledges data to its
// source once it is on local disk, before Kafka has it, keeps that data there.
type SpoolDirProvider interface {
	// SpoolDir returns the task's own directory, <spool.dir>/<connector>/<task>, creating it (and its parents)
	// when missing. The directory belongs to the task's id, not to the task's run: a later run of the same task
	// on this worker (or on a worker that shares spool.dir) finds what an earlier run left there.
	SpoolDir() (string, error)
}

// ErrDrained is returned by the Poll of a draining task (see [Drainer]) that has handed out every record it
// holds.
var ErrDrained = errors.New("source task drained")

// Drainer is implemented by source tasks that hold records they alone can deliver: data they have already
// acknowledged to their source, kept in a local spool. When the worker stops such a task gracefully (a stop,
// restart, rebalance or worker shutdown; not while it is paused), it calls Drain once the poll loop has ended,
// then keeps polling and producing until Poll returns ErrDrained, within half of
// task.shutdown.graceful.timeout.ms (the other half is for Kafka to acknowledge what was produced). Kafka Connect
// stops polling a task as soon as it is asked to stop.
//
// After Drain the task takes nothing new from its source; what it still holds when the time is up stays with it
// (on disk) for its next start.
type Drainer interface {
	Drain()
}

// RecordCommitter is implemented by source tasks that must learn when Kafka has acknowledged each record, for
// example to acknowledge the message upstream only then. CommitRecord is called once per record, in the order
// the task returned the records from Poll, from the goroutine that handles producer acknowledgements.
// A record the worker drops (filtered out by a transformation, or a conversion or transformation failure
// tolerated by errors.tolerance) is committed with a nil metadata.
type RecordCommitter interface {
	CommitRecord(rec *SourceRecord, meta *RecordMetadata) error
}

// Committer is implemented by source tasks that want to hear when the worker has flushed the offsets of every
// acknowledged record to the offsets topic.
type Committer interface {
	Commit(ctx context.Context) error
}

// RecordMetadata is where Kafka stored a record.
type RecordMetadata struct {
	Topic     string
	Partition int32
	Offset    int64
}

// SinkTaskContext is what the worker offers a running SinkTask.
type SinkTaskContext interface {
	Logger() *slog.Logger
	// ErrantRecordReporter returns the reporter for records the task cannot write (Kafka's
	// SinkTaskContext.errantRecordReporter, KIP-610), or nil when the connector has neither a dead letter queue
	// (errors.deadletterqueue.topic.name) nor error logging (errors.log.enable), as in Kafka Connect.
	ErrantRecordReporter() ErrantRecordReporter
	// Timeout sets how long the worker waits before it delivers a batch again after Put returned a
	// *RetriableError (Kafka's SinkTaskContext.timeout); it applies to the next redelivery only. Without it the
	// batch is delivered again at the next offset commit (offset.flush.interval.ms).
	Timeout(d time.Duration)
}

// ErrantRecordReporter takes records a sink task could not write (Kafka's ErrantRecordReporter, KIP-610): each
// is written to the connector's dead letter queue with its original bytes and logged when errors.log.enable is
// set. A report counts as a failure against errors.tolerance. Offsets of reported records are committed only
// once their reports are persisted. Report may be called from any goroutine.
type ErrantRecordReporter interface {
	// Report reports rec, one of the records handed to Put, which failed with err. Under errors.tolerance=none
	// it returns Kafka's "Tolerance exceeded in error handler" error, which the task should return from Put
	// (the worker fails the task then anyway). Otherwise the report is under way: it is persisted once the
	// returned report's Done is closed.
	Report(rec *SinkRecord, err error) (ErrantRecordReport, error)
}

// ErrantRecordReport is a report under way (Kafka's Future returned by ErrantRecordReporter.report).
type ErrantRecordReport interface {
	// Done is closed once the report is persisted, or failed to be.
	Done() <-chan struct{}
	// Err tells, once Done is closed, why the report could not be persisted (e.g. the dead letter queue's
	// topic refused the record); nil on success.
	Err() error
}

// SinkTask writes records to an external system.
//
// The worker calls Start once, then Put with each batch and Flush before it commits consumer offsets, and
// finally Stop. Start and Stop should return soon after their context ends, as for SourceTask.
type SinkTask interface {
	Start(ctx context.Context, tc SinkTaskContext, config map[string]string) error
	Put(ctx context.Context, records []*SinkRecord) error
	// Flush makes everything handed to Put up to offsets durable. offsets maps each partition to the offset
	// of the next record the task has not seen, as Kafka's consumer commits it.
	Flush(ctx context.Context, offsets map[TopicPartition]int64) error
	Stop(ctx context.Context) error
}

// SinkPreCommitter is a SinkTask that tells the worker which offsets it may commit, as Kafka's optional
// SinkTask.preCommit. Before each offset commit the worker calls PreCommit instead of Flush, with the offset
// of the next record not yet handed to Put per partition that has records since its last commit. PreCommit
// returns the offsets safe to commit: those of the records the task has made durable, which may lag behind
// the given ones (a task that writes asynchronously returns, per partition, the offset of its oldest record
// still on its way) and may leave partitions out. The worker commits what it returns, ignores (and logs)
// partitions not assigned to the task and offsets beyond what it consumed, and keeps the rest pending for the
// next commit: records handed to Put are not delivered again, so the task must keep what it has not made
// durable. An error makes the worker rewind to the last committed offsets, as a failed Flush does. A task
// without PreCommit has Kafka's default: Flush, then every given offset.
type SinkPreCommitter interface {
	PreCommit(ctx context.Context, offsets map[TopicPartition]int64) (map[TopicPartition]int64, error)
}

// SinkPartitionCloser is a SinkTask told when partitions are taken from it, as Kafka's optional
// SinkTask.close(partitions): when the consumer group session ends (a rebalance, or the task stopping) the
// worker calls Close, after its last offset commit of them, with every partition the session had assigned.
// The task should let go of what it still holds of them without writing it: a record whose offset was not
// committed is delivered again to the partition's next owner, and one written after that owner's newer
// records would overwrite them. Put is not called with their records again unless they are assigned again.
// An error fails the task, as in Kafka.
type SinkPartitionCloser interface {
	Close(ctx context.Context, partitions []TopicPartition) error
}

// TopicPartition names one partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// Header is one record header in Connect's data model.
type Header struct {
	Key    string
	Schema *Schema
	Value  any
}

// SourceRecord is a record produced by a SourceTask.
type SourceRecord struct {
	// SourcePartition and SourceOffset say where in the external system the record came from. They are
	// written to the offsets topic; both may be nil for sources without offsets. Values must be primitives
	// (nil, bool, string, integer and float types).
	SourcePartition map[string]any
	SourceOffset    map[string]any

	Topic string
	// Partition is the Kafka partition; nil lets the worker's partitioner choose from the key.
	Partition *int32

	KeySchema   *Schema
	Key         any
	ValueSchema *Schema
	Value       any
	// Timestamp is the record's timestamp; the zero time leaves it to the producer.
	Timestamp time.Time
	Headers   []Header
}

// SinkRecord is a record consumed from Kafka and handed to a SinkTask, after the connector's transformations.
type SinkRecord struct {
	Topic       string
	Partition   int32
	Offset      int64
	KeySchema   *Schema
	Key         any
	ValueSchema *Schema
	Value       any
	Timestamp   time.Time
	Headers     []Header

	// OriginalTopic, OriginalPartition and OriginalOffset say where the record was consumed, before any
	// transformation changed Topic, Partition or Offset (KIP-793's originalTopic, originalKafkaPartition and
	// originalKafkaOffset). The worker commits consumer offsets by these.
	OriginalTopic     string
	OriginalPartition int32
	OriginalOffset    int64
}

// PartitionOffset is one source partition and its offset, as PATCH /connectors/{name}/offsets carries them.
// A nil Offset resets the partition.
type PartitionOffset struct {
	Partition map[string]any
	Offset    map[string]any
}

// OffsetAlterer is implemented by connectors that validate, or keep outside Kafka, the offsets an operator
// alters or resets (Kafka Connect's SourceConnector/SinkConnector.alterOffsets). It is called on a fresh
// instance that was not started. Returning true tells the operator the connector's own offsets were changed
// too; false that only the framework's offsets were. A nil offsets slice element Offset means reset.
type OffsetAlterer interface {
	AlterOffsets(config map[string]string, offsets []PartitionOffset) (bool, error)
}
