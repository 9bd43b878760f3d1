package worker

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/kafkalog"
)

// Offsets API (KIP-875): GET, PATCH and DELETE /connectors/{name}/offsets.

const (
	sinkKeyTopic     = "kafka_topic"
	sinkKeyPartition = "kafka_partition"
	sinkKeyOffset    = "kafka_offset"
)

// ConnectorOffsets is GET /connectors/{name}/offsets: a source connector's partitions from the offsets topic,
// a sink connector's consumer group offsets.
func (w *Worker) ConnectorOffsets(ctx context.Context, name string) ([]herder.ConnectorOffset, error) {
	if err := w.awaitReady(ctx); err != nil {
		return nil, err
	}
	c, ok := w.store.Connector(name)
	if !ok {
		return nil, notFound(name)
	}
	out := []herder.ConnectorOffset{}
	if w.connectorType(c.Config) == connector.Sink {
		// The group the tasks consume in: consumer.override.group.id may be a placeholder.
		resolved, err := w.resolveConfig(c.Config)
		if err != nil {
			return nil, requestError(herder.ErrBadRequest, err.Error())
		}
		offsets, err := w.admin.ListConsumerGroupOffsets(sinkGroupID(name, resolved), nil)
		if err != nil {
			return nil, fmt.Errorf("read consumer group offsets of connector %s: %w", name, err)
		}
		for topic, parts := range offsets.Blocks {
			for p, b := range parts {
				if b.Offset < 0 {
					continue
				}
				out = append(out, herder.ConnectorOffset{
					Partition: map[string]any{sinkKeyTopic: topic, sinkKeyPartition: int64(p)},
					Offset:    map[string]any{sinkKeyOffset: b.Offset},
				})
			}
		}
		return out, nil
	}
	for _, o := range w.store.Offsets(name) {
		out = append(out, herder.ConnectorOffset{Partition: o.Partition, Offset: o.Offset})
	}
	return out, nil
}

// AlterConnectorOffsets is PATCH /connectors/{name}/offsets.
func (w *Worker) AlterConnectorOffsets(ctx context.Context, name string, offsets []herder.ConnectorOffset) (string, error) {
	if len(offsets) == 0 {
		return "", requestError(herder.ErrBadRequest, "Partitions / offsets need to be provided for an alter offsets request")
	}
	return w.modifyOffsets(ctx, name, offsets, false)
}

// ResetConnectorOffsets is DELETE /connectors/{name}/offsets.
func (w *Worker) ResetConnectorOffsets(ctx context.Context, name string) (string, error) {
	return w.modifyOffsets(ctx, name, nil, true)
}

func (w *Worker) modifyOffsets(ctx context.Context, name string, offsets []herder.ConnectorOffset, reset bool) (string, error) {
	var msg string
	err := w.do(ctx, func(ctx context.Context) error {
		if err := w.leaderOnly("Only the leader can process external offsets modification requests"); err != nil {
			return err
		}
		if err := w.configLog.ReadToEnd(ctx); err != nil {
			return fmt.Errorf("read config topic: %w", err)
		}
		c, ok := w.store.Connector(name)
		if !ok {
			return notFound(name)
		}
		if c.TargetState != records.TargetStopped || c.TaskCount != 0 {
			return requestError(herder.ErrBadRequest, "Connectors must be in the STOPPED state before their offsets can be modified. "+
				"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/"+name+"/stop' endpoint")
		}
		plugin, _, err := w.registry.Resolve(c.Config)
		if err != nil {
			return err
		}
		// Placeholders resolved, as the tasks see the config: the sink's group may come from a provider.
		resolved, err := w.resolveConfig(c.Config)
		if err != nil {
			return requestError(herder.ErrBadRequest, err.Error())
		}
		if reset {
			offsets = w.resetEntries(name, plugin.Type)
		}
		var parsed []connector.PartitionOffset
		if plugin.Type == connector.Sink {
			parsed, err = parseSinkOffsets(offsets)
		} else {
			parsed, err = parseSourceOffsets(offsets)
		}
		if err != nil {
			return err
		}
		managed := false
		if alt, ok := plugin.NewConnector().(connector.OffsetAlterer); ok {
			if err := safely(func() error {
				var err error
				managed, err = alt.AlterOffsets(resolved, parsed)
				return err
			}); err != nil {
				// Kafka Connect passes the connector's ConnectException through as it is, so clients see the
				// connector's own words; only a crash gets the framework's message (Worker's maybeWrap).
				msg := err.Error()
				if pe := (*panicError)(nil); errors.As(err, &pe) {
					msg = fmt.Sprintf("Failed to modify offsets for %s connector %s", plugin.Type, name)
				}
				return requestError(herder.ErrBadRequest, msg)
			}
		}
		if plugin.Type == connector.Sink {
			err = w.writeSinkOffsets(sinkGroupID(name, resolved), parsed, reset)
		} else {
			err = w.writeSourceOffsets(ctx, name, parsed)
		}
		if err != nil {
			return err
		}
		verb := "altered"
		if reset {
			verb = "reset"
		}
		if managed {
			msg = "The offsets for this connector have been " + verb + " successfully"
		} else {
			msg = "The Connect framework-managed offsets for this connector have been " + verb + " successfully. " +
				"However, if this connector manages offsets externally, they will need to be manually " + verb +
				" in the system that the connector uses."
		}
		return nil
	})
	return msg, err
}

// resetEntries lists every known partition of a connector with a nil offset.
func (w *Worker) resetEntries(name string, typ connector.Type) []herder.ConnectorOffset {
	if typ == connector.Sink {
		return nil // a sink reset deletes the whole consumer group
	}
	var out []herder.ConnectorOffset
	for _, o := range w.store.Offsets(name) {
		out = append(out, herder.ConnectorOffset{Partition: o.Partition})
	}
	return out
}

func parseSourceOffsets(offsets []herder.ConnectorOffset) ([]connector.PartitionOffset, error) {
	out := make([]connector.PartitionOffset, 0, len(offsets))
	for _, o := range offsets {
		if o.Partition == nil {
			return nil, requestError(herder.ErrBadRequest, "The partition for a source connector offset cannot be null or missing")
		}
		if err := records.ValidateOffsetMap(o.Partition); err != nil {
			return nil, requestError(herder.ErrBadRequest, err.Error())
		}
		if o.Offset != nil {
			if err := records.ValidateOffsetMap(o.Offset); err != nil {
				return nil, requestError(herder.ErrBadRequest, err.Error())
			}
		}
		out = append(out, connector.PartitionOffset{Partition: o.Partition, Offset: o.Offset})
	}
	return out, nil
}

// parseSinkOffsets checks sink offsets with Kafka Connect's SinkUtils.parseSinkConnectorOffsets messages.
func parseSinkOffsets(offsets []herder.ConnectorOffset) ([]connector.PartitionOffset, error) {
	out := make([]connector.PartitionOffset, 0, len(offsets))
	for _, o := range offsets {
		if o.Partition == nil {
			return nil, requestError(herder.ErrBadRequest, "The partition for a sink connector offset cannot be null or missing")
		}
		topic, hasTopic := o.Partition[sinkKeyTopic]
		part, hasPart := o.Partition[sinkKeyPartition]
		if !hasTopic || !hasPart {
			return nil, requestError(herder.ErrBadRequest, "The partition for a sink connector offset must contain the keys '"+
				sinkKeyTopic+"' and '"+sinkKeyPartition+"'")
		}
		ts, ok := topic.(string)
		if !ok || ts == "" {
			return nil, requestError(herder.ErrBadRequest, "Kafka topic names must be valid strings that are between 1 and 249 characters long "+
				"and consist only of ASCII alphanumerics, '.', '_', or '-'")
		}
		p, ok := integral(part)
		if !ok {
			return nil, requestError(herder.ErrBadRequest, fmt.Sprintf("Failed to parse the following Kafka partition value in the provided offsets: '%v'. "+
				"Partition values for sink connectors need to be integers.", part))
		}
		entry := connector.PartitionOffset{Partition: map[string]any{sinkKeyTopic: ts, sinkKeyPartition: p}}
		if o.Offset != nil {
			v, has := o.Offset[sinkKeyOffset]
			if !has {
				return nil, requestError(herder.ErrBadRequest, "The offset for a sink connector should either be null or contain the key '"+sinkKeyOffset+"'")
			}
			off, ok := integral(v)
			if !ok {
				return nil, requestError(herder.ErrBadRequest, fmt.Sprintf("Failed to parse the following Kafka offset value in the provided offsets: '%v'. "+
					"Offset values for sink connectors need to be integers.", v))
			}
			entry.Offset = map[string]any{sinkKeyOffset: off}
		}
		out = append(out, entry)
	}
	return out, nil
}

// integral accepts a JSON number or a numeric string, as Kafka Connect does for sink partitions and offsets.
func integral(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

// writeSourceOffsets writes the altered offsets to the offsets topic and reads them back.
func (w *Worker) writeSourceOffsets(ctx context.Context, name string, offsets []connector.PartitionOffset) error {
	recs := make([]kafkalog.Record, 0, len(offsets))
	for _, o := range offsets {
		k, err := records.EncodeOffsetKey(name, o.Partition)
		if err != nil {
			return requestError(herder.ErrBadRequest, err.Error())
		}
		v, err := records.EncodeOffsetValue(o.Offset)
		if err != nil {
			return requestError(herder.ErrBadRequest, err.Error())
		}
		recs = append(recs, kafkalog.Record{Key: k, Value: v})
	}
	if len(recs) == 0 {
		return nil
	}
	if err := w.offsetLog.SendAll(ctx, recs); err != nil {
		return fmt.Errorf("write offsets: %w", err)
	}
	if err := w.offsetLog.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("read back offsets: %w", err)
	}
	return nil
}

// writeSinkOffsets alters a stopped sink connector's consumer group: committed offsets for given partitions,
// deletions for nil offsets, or the whole group for a reset.
func (w *Worker) writeSinkOffsets(group string, offsets []connector.PartitionOffset, reset bool) error {
	if reset {
		err := w.admin.DeleteConsumerGroup(group)
		if err != nil && !errors.Is(err, sarama.ErrGroupIDNotFound) {
			if errors.Is(err, sarama.ErrNonEmptyGroup) {
				return requestError(herder.ErrBadRequest, "Failed to reset offsets for connector: consumer group "+group+" is not empty")
			}
			return fmt.Errorf("delete consumer group %s: %w", group, err)
		}
		return nil
	}
	om, err := sarama.NewOffsetManagerFromClient(group, w.client)
	if err != nil {
		return fmt.Errorf("open offset manager for group %s: %w", group, err)
	}
	defer om.Close()
	var poms []sarama.PartitionOffsetManager
	defer func() {
		for _, p := range poms {
			p.AsyncClose()
		}
	}()
	for _, o := range offsets {
		topic := o.Partition[sinkKeyTopic].(string)
		part := int32(o.Partition[sinkKeyPartition].(int64))
		if o.Offset == nil {
			if err := w.admin.DeleteConsumerGroupOffset(group, topic, part); err != nil &&
				!errors.Is(err, sarama.ErrGroupIDNotFound) && !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
				return fmt.Errorf("delete offset of %s-%d for group %s: %w", topic, part, group, err)
			}
			continue
		}
		pom, err := om.ManagePartition(topic, part)
		if err != nil {
			return fmt.Errorf("manage %s-%d for group %s: %w", topic, part, group, err)
		}
		poms = append(poms, pom)
		pom.ResetOffset(o.Offset[sinkKeyOffset].(int64), "")
	}
	om.Commit()
	return nil
}
