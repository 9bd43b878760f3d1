package worker

import (
	"context"
	"fmt"

	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/kafkalog"
)

// SetClusterLoggerLevel writes a cluster-wide logger level (KIP-976) to the config topic as
// logger-cluster-<namespace> {"level":"<level>"}, byte for byte as Kafka Connect's KafkaConfigBackingStore
// writes it, and returns once Kafka has it. Every worker of the group, this one included and Java workers
// too, applies it when it reads the record back; workers that start later ignore it, as in Kafka Connect.
// The level is written as given: the REST layer has checked it.
func (w *Worker) SetClusterLoggerLevel(ctx context.Context, namespace, level string) error {
	// The config log exists once the worker has read its topics.
	select {
	case <-w.ready:
	case <-w.stopping:
		return errShuttingDown
	case <-ctx.Done():
		return ctx.Err()
	}
	v, err := records.EncodeLoggerLevel(level)
	if err != nil {
		return err
	}
	if err := w.configLog.SendAll(ctx, []kafkalog.Record{{Key: []byte(records.LoggerKey(namespace)), Value: v}}); err != nil {
		return fmt.Errorf("write logger level to config topic: %w", err)
	}
	return nil
}

// applyClusterLoggerLevel applies a cluster-wide level read from the config topic, as Kafka Connect's
// setWorkerLoggerLevel: an invalid level is logged and ignored.
func (w *Worker) applyClusterLoggerLevel(namespace, level string) {
	if w.levels == nil {
		return
	}
	affected, err := w.levels.Set(namespace, level)
	if err != nil {
		w.log.Warn("ignoring request to set invalid level", "logger", namespace, "level", level, "err", err)
		return
	}
	w.log.Info("applied cluster-wide logger level", "logger", namespace, "level", level, "affected", len(affected))
}
