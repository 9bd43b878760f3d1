package storage

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage/records"
)

// ApplyStatusRecord applies one status-topic record (value nil = tombstone) as KafkaStatusBackingStore's reader
// does:
//
//   - a connector status tombstone removes the connector's status and all its task statuses;
//   - an incoming task UNASSIGNED is ignored while the stored status is RUNNING with a generation at least as
//     high (a worker that lost a rebalance race must not hide a running task); Kafka applies this to tasks
//     only, and so does this store;
//   - topic statuses are keyed by the topic and connector of the record key.
//
// A record Kafka discards (unknown or malformed key, undecodable value) changes nothing and yields an error
// wrapping records.ErrMalformed.
func (s *Store) ApplyStatusRecord(key string, value []byte) error {
	kind, name, task, topic, ok := records.ParseStatusKey(key)
	if !ok {
		return fmt.Errorf("status record %q: %w: unknown or invalid key", key, records.ErrMalformed)
	}
	var err error
	switch kind {
	case records.StatusKeyConnector:
		err = s.applyConnectorStatus(name, value)
	case records.StatusKeyTask:
		err = s.applyTaskStatus(connector.TaskID{Connector: name, Task: task}, value)
	case records.StatusKeyTopic:
		err = s.applyTopicStatus(name, topic, value)
	}
	if err != nil {
		return fmt.Errorf("status record %q: %w", key, err)
	}
	return nil
}

func (s *Store) applyConnectorStatus(name string, value []byte) error {
	if value == nil {
		return s.write(func(txn *memdb.Txn) (bool, error) {
			var deleted bool
			if cur := first[connectorStatusRow](txn, tableConnectorStatus, keyPart(name)); cur != nil {
				if err := txn.Delete(tableConnectorStatus, cur); err != nil {
					return false, fmt.Errorf("storage: delete connector status: %w", err)
				}
				deleted = true
			}
			tasks, err := deletePrefix(txn, tableTaskStatus, keyPart(name))
			return deleted || tasks, err
		})
	}
	st, err := records.DecodeStatus(value)
	if err != nil {
		return err
	}
	return s.write(func(txn *memdb.Txn) (bool, error) {
		if err := txn.Insert(tableConnectorStatus, &connectorStatusRow{Name: name, Status: st}); err != nil {
			return false, fmt.Errorf("storage: insert connector status: %w", err)
		}
		return true, nil
	})
}

func (s *Store) applyTaskStatus(id connector.TaskID, value []byte) error {
	if value == nil {
		return s.write(func(txn *memdb.Txn) (bool, error) {
			cur := first[taskStatusRow](txn, tableTaskStatus, taskKey(id))
			if cur == nil {
				return false, nil
			}
			if err := txn.Delete(tableTaskStatus, cur); err != nil {
				return false, fmt.Errorf("storage: delete task status: %w", err)
			}
			return true, nil
		})
	}
	st, err := records.DecodeStatus(value)
	if err != nil {
		return err
	}
	return s.write(func(txn *memdb.Txn) (bool, error) {
		cur := first[taskStatusRow](txn, tableTaskStatus, taskKey(id))
		if st.State == records.StateUnassigned && cur != nil && cur.State == records.StateRunning &&
			cur.Generation >= st.Generation {
			return false, nil
		}
		if err := txn.Insert(tableTaskStatus, &taskStatusRow{TaskStatus{ID: id, Status: st}}); err != nil {
			return false, fmt.Errorf("storage: insert task status: %w", err)
		}
		return true, nil
	})
}

func (s *Store) applyTopicStatus(connector, topic string, value []byte) error {
	row := &topicStatusRow{Connector: connector, Topic: topic}
	if value == nil {
		return s.write(func(txn *memdb.Txn) (bool, error) {
			cur := first[topicStatusRow](txn, tableTopicStatus, row.key())
			if cur == nil {
				return false, nil
			}
			if err := txn.Delete(tableTopicStatus, cur); err != nil {
				return false, fmt.Errorf("storage: delete topic status: %w", err)
			}
			return true, nil
		})
	}
	st, err := records.DecodeTopicStatus(value)
	if err != nil {
		return err
	}
	row.Status = st
	return s.write(func(txn *memdb.Txn) (bool, error) {
		if err := txn.Insert(tableTopicStatus, row); err != nil {
			return false, fmt.Errorf("storage: insert topic status: %w", err)
		}
		return true, nil
	})
}

// ConnectorStatus returns a connector's latest status.
func (s *Store) ConnectorStatus(name string) (records.Status, bool) {
	r := first[connectorStatusRow](s.db.Txn(false), tableConnectorStatus, keyPart(name))
	if r == nil {
		return records.Status{}, false
	}
	return r.Status, true
}

// TaskStatus returns a task's latest status.
func (s *Store) TaskStatus(id connector.TaskID) (records.Status, bool) {
	r := first[taskStatusRow](s.db.Txn(false), tableTaskStatus, taskKey(id))
	if r == nil {
		return records.Status{}, false
	}
	return r.Status, true
}

// TaskStatuses returns the statuses of a connector's tasks, sorted by task number. It lists what the status
// topic holds, which may include tasks the config no longer has.
func (s *Store) TaskStatuses(name string) []TaskStatus {
	rows := scan[taskStatusRow](s.db.Txn(false), tableTaskStatus, keyPart(name))
	out := make([]TaskStatus, len(rows))
	for i, r := range rows {
		out[i] = r.TaskStatus
	}
	return out
}

// TopicStatusRecorded reports whether the status topic records the connector's use of topic (KIP-558), with a
// channel closed when that may have changed (a reset's tombstone, a task's write read back), so a task can
// trust the answer until then instead of looking it up for every record.
func (s *Store) TopicStatusRecorded(connector, topic string) (bool, <-chan struct{}) {
	row := topicStatusRow{Connector: connector, Topic: topic}
	ch, raw, err := s.db.Txn(false).FirstWatch(tableTopicStatus, indexID, row.key())
	must(err)
	return raw != nil, ch
}

// TopicStatuses returns the topics a connector has used (KIP-558), sorted by topic. Topic and Connector are
// those of the record key when the value left them null.
func (s *Store) TopicStatuses(name string) []records.TopicStatus {
	rows := scan[topicStatusRow](s.db.Txn(false), tableTopicStatus, keyPart(name))
	out := make([]records.TopicStatus, len(rows))
	for i, r := range rows {
		out[i] = r.Status
		if out[i].Topic == "" {
			out[i].Topic = r.Topic
		}
		if out[i].Connector == "" {
			out[i].Connector = r.Connector
		}
	}
	return out
}
