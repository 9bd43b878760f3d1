package worker

import (
	"fmt"
	"sync"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker/errorhandling"
)

// recordPipeline is what a task runs its records through between the connector and Kafka: the connector's
// transformation chain and the converters, each operation under the task's error handling operator (Kafka's
// TransformationChain with its RetryWithToleranceOperator).
type recordPipeline struct {
	conv *taskConverters
	op   *errorhandling.Operator
	cfg  errorhandling.Config

	// chain is built once per task from the connector config. A sink task's partitions are processed on
	// several goroutines, and a transformation is used by one goroutine at a time (connector.Transformation),
	// hence chainMu.
	chain   []connector.TransformStage
	chainMu sync.Mutex
}

// newPipeline builds the converters, error handling configuration and transformation chain of a task. The
// operator is set by the caller once the reporters exist.
func (t *taskRunner) newPipeline(typ connector.Type) (*recordPipeline, error) {
	conv, err := t.w.converters(t.connConfig)
	if err != nil {
		return nil, err
	}
	cfg, err := errorhandling.ParseConfig(typ, t.connConfig)
	if err != nil {
		return nil, err
	}
	chain, err := t.w.registry.TransformChain(t.connConfig)
	if err != nil {
		return nil, fmt.Errorf("cannot build the transformation chain: %w", err)
	}
	for _, st := range chain {
		// A transformation that has something to say about its config (ReplaceField's deprecated keys) says
		// it here, once per task, as Kafka logs it from configure().
		if w, ok := st.Transformation.(interface{ Warnings() []string }); ok {
			for _, msg := range w.Warnings() {
				t.log.Warn(msg, "transform", st.Alias)
			}
		}
	}
	return &recordPipeline{conv: conv, cfg: cfg, chain: chain}, nil
}

// closeOperator closes a task's error reporters once the task has stopped.
func (t *taskRunner) closeOperator(op *errorhandling.Operator) {
	if err := op.Close(); err != nil {
		t.log.Warn("closing error reporters failed", "err", err)
	}
}

// transform runs rec through the chain (stage TRANSFORMATION). It returns nil when a transformation dropped
// the record or failed in a way errors.tolerance allows (pc.Failed() tells which), and an error when a
// failure is not tolerated.
func (p *recordPipeline) transform(pc *errorhandling.Context, rec *connector.Record) (*connector.Record, error) {
	p.chainMu.Lock()
	defer p.chainMu.Unlock()
	for i := range p.chain {
		stage, cur := &p.chain[i], rec
		out, err := errorhandling.Execute(p.op, pc, errorhandling.StageTransformation, stage.Class,
			func() (*connector.Record, error) { return stage.Apply(cur) })
		if err != nil || out == nil {
			return nil, err
		}
		rec = out
	}
	return rec, nil
}

// sourceView is a source record as the transformations and converters see it. It is a value, so that a task
// without transformations converts its records without allocating one.
func sourceView(rec *connector.SourceRecord) connector.Record {
	return connector.Record{Topic: rec.Topic, Partition: rec.Partition, KeySchema: rec.KeySchema, Key: rec.Key,
		ValueSchema: rec.ValueSchema, Value: rec.Value, Timestamp: rec.Timestamp, Headers: rec.Headers}
}

// sinkView is a consumed record as the transformations see it.
func sinkView(rec *connector.SinkRecord) *connector.Record {
	partition, offset := rec.Partition, rec.Offset
	return &connector.Record{Topic: rec.Topic, Partition: &partition, KeySchema: rec.KeySchema, Key: rec.Key,
		ValueSchema: rec.ValueSchema, Value: rec.Value, Timestamp: rec.Timestamp, Headers: rec.Headers, Offset: &offset}
}

// sinkRecordOf is the record a sink task is given after the transformations turned view (from sinkView(orig))
// into out: orig itself when nothing changed. It keeps orig's original topic, partition and offset (KIP-793);
// a transformation that cleared the partition or offset leaves orig's.
func sinkRecordOf(orig *connector.SinkRecord, view, out *connector.Record) *connector.SinkRecord {
	if out == view {
		return orig
	}
	rec := &connector.SinkRecord{Topic: out.Topic, Partition: orig.Partition, Offset: orig.Offset,
		KeySchema: out.KeySchema, Key: out.Key, ValueSchema: out.ValueSchema, Value: out.Value,
		Timestamp: out.Timestamp, Headers: out.Headers,
		OriginalTopic: orig.OriginalTopic, OriginalPartition: orig.OriginalPartition, OriginalOffset: orig.OriginalOffset}
	if out.Partition != nil {
		rec.Partition = *out.Partition
	}
	if out.Offset != nil {
		rec.Offset = *out.Offset
	}
	return rec
}
