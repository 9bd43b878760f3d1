package storage

import (
	"encoding/binary"
	"fmt"
	"strings"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage/records"
)

// Table names.
const (
	tableMeta            = "meta"
	tableConnectors      = "connectors"
	tableTasks           = "tasks"
	tableConnectorStatus = "connector_status"
	tableTaskStatus      = "task_status"
	tableTopicStatus     = "topic_status"
	tableOffsets         = "offsets"
)

// indexID is memdb's mandatory unique index; "id_prefix" lookups on it scan one connector's rows.
const (
	indexID       = "id"
	indexIDPrefix = "id_prefix"
)

// metaKey is the id of the single meta row.
const metaKey = "meta"

// Every table is keyed by a string built from keyPart and sortableInt, so one indexer serves all of them and
// iterating the id index yields rows in (connector, task|topic|partition) order.
func schema() *memdb.DBSchema {
	tables := []string{tableMeta, tableConnectors, tableTasks, tableConnectorStatus, tableTaskStatus,
		tableTopicStatus, tableOffsets}
	s := &memdb.DBSchema{Tables: make(map[string]*memdb.TableSchema, len(tables))}
	for _, name := range tables {
		s.Tables[name] = &memdb.TableSchema{
			Name: name,
			Indexes: map[string]*memdb.IndexSchema{
				indexID: {Name: indexID, Unique: true, Indexer: keyIndexer{}},
			},
		}
	}
	return s
}

// keyed is implemented by every row type: key is the row's id in its table.
type keyed interface{ key() string }

// keyIndexer indexes rows by their key(). Lookups take the key (or a key prefix) as their only argument.
type keyIndexer struct{}

func (keyIndexer) FromObject(obj any) (bool, []byte, error) {
	k, ok := obj.(keyed)
	if !ok {
		return false, nil, fmt.Errorf("storage: %T is not a row type", obj)
	}
	return true, []byte(k.key()), nil
}

func (keyIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("storage: key lookup takes 1 argument, got %d", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("storage: key lookup argument is %T, not a string", args[0])
	}
	return []byte(s), nil
}

func (i keyIndexer) PrefixFromArgs(args ...any) ([]byte, error) { return i.FromArgs(args...) }

// keyPart encodes one string component of a key so that no component is a prefix of another and byte order
// of the encoding is the string order: NUL bytes become "\x00\xff" and the component ends in "\x00\x01".
// Connector names are arbitrary strings, so a plain separator would not do.
func keyPart(s string) string {
	return strings.ReplaceAll(s, "\x00", "\x00\xff") + "\x00\x01"
}

// sortableInt encodes an integer so that byte order is numeric order.
func sortableInt(n int) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(int64(n))^(1<<63))
	return string(b[:])
}

func taskKey(id connector.TaskID) string { return keyPart(id.Connector) + sortableInt(id.Task) }

// metaRow holds the store-wide values. It is rewritten by every write transaction (Revision), which makes a
// watch on it a "something changed" signal.
type metaRow struct {
	Revision     uint64
	ConfigOffset int64
	SessionKey   *records.SessionKey
}

func (*metaRow) key() string { return metaKey }

// connectorRow is stored as *Connector itself.
func (c *Connector) key() string { return keyPart(c.Name) }

type taskRow struct{ TaskConfig }

func (r *taskRow) key() string { return taskKey(r.ID) }

type connectorStatusRow struct {
	Name   string
	Status records.Status
}

func (r *connectorStatusRow) key() string { return keyPart(r.Name) }

type taskStatusRow struct{ TaskStatus }

func (r *taskStatusRow) key() string { return taskKey(r.ID) }

// topicStatusRow is keyed by the connector and topic of its status-topic key, not by the value's fields.
type topicStatusRow struct {
	Connector, Topic string
	Status           records.TopicStatus
}

func (r *topicStatusRow) key() string { return keyPart(r.Connector) + keyPart(r.Topic) }

// offsetRow is keyed by the connector and the canonical form of the partition (see canonical).
type offsetRow struct {
	Connector, Canonical string
	Offset               Offset
}

func (r *offsetRow) key() string { return keyPart(r.Connector) + r.Canonical }
