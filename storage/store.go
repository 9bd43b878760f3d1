package storage

import (
	"context"
	"errors"
	"fmt"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/connectd/connectd/storage/records"
)

// Store is the worker's read model of the internal topics.
//
// Apply*Record methods may be called from any goroutine, but the records of one topic must be applied in
// topic order (in practice one goroutine per topic). The config topic's in-flight state (task configs waiting
// for their commit, target states of connectors that do not exist yet) lives in plain fields that are only
// touched while the memdb write transaction is held, which serialises them.
//
// Reads are safe from any goroutine and see a consistent snapshot per call. Objects they return are shared
// with the store and with other readers: never modify them.
type Store struct {
	db *memdb.MemDB

	// Guarded by the memdb write transaction; see write.
	deferred map[string]map[int]map[string]string // connector → task → config not yet committed
	targets  map[string]records.TargetState       // connector → last target state record, even without a connector
}

// New returns an empty store: no connectors, config offset -1.
func New() (*Store, error) {
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		return nil, fmt.Errorf("storage: create memdb: %w", err)
	}
	txn := db.Txn(true)
	if err := txn.Insert(tableMeta, &metaRow{ConfigOffset: -1}); err != nil {
		txn.Abort()
		return nil, fmt.Errorf("storage: insert meta row: %w", err)
	}
	txn.Commit()
	return &Store{
		db:       db,
		deferred: make(map[string]map[int]map[string]string),
		targets:  make(map[string]records.TargetState),
	}, nil
}

// write runs fn in a write transaction. fn reports whether to commit; the revision is bumped on commit, which
// closes every channel Changed has handed out. fn's error is returned either way: an error wrapping
// records.ErrMalformed may come with a commit (the config offset still advances), any other error should come
// without one.
func (s *Store) write(fn func(txn *memdb.Txn) (commit bool, err error)) error {
	txn := s.db.Txn(true)
	defer txn.Abort()
	commit, err := fn(txn)
	if !commit {
		return err
	}
	if merr := updateMeta(txn, func(m *metaRow) { m.Revision++ }); merr != nil {
		return errors.Join(err, merr)
	}
	txn.Commit()
	return err
}

// updateMeta replaces the meta row with a modified copy.
func updateMeta(txn *memdb.Txn, fn func(*metaRow)) error {
	raw, err := txn.First(tableMeta, indexID, metaKey)
	if err != nil {
		return fmt.Errorf("storage: read meta row: %w", err)
	}
	m := *raw.(*metaRow)
	fn(&m)
	if err := txn.Insert(tableMeta, &m); err != nil {
		return fmt.Errorf("storage: write meta row: %w", err)
	}
	return nil
}

// meta reads the meta row and its watch channel.
func (s *Store) meta() (*metaRow, <-chan struct{}) {
	ch, raw, err := s.db.Txn(false).FirstWatch(tableMeta, indexID, metaKey)
	must(err)
	return raw.(*metaRow), ch
}

// must panics on errors that only a schema bug can cause: lookups by a fixed index with a string argument
// cannot fail otherwise.
func must(err error) {
	if err != nil {
		panic(fmt.Sprintf("storage: memdb lookup failed: %v", err))
	}
}

// first returns the row with the given key, or nil.
func first[T any](txn *memdb.Txn, table, key string) *T {
	raw, err := txn.First(table, indexID, key)
	must(err)
	if raw == nil {
		return nil
	}
	return raw.(*T)
}

// scan returns the rows whose key starts with prefix, in key order.
func scan[T any](txn *memdb.Txn, table, prefix string) []*T {
	it, err := txn.Get(table, indexIDPrefix, prefix)
	must(err)
	var out []*T
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*T))
	}
	return out
}

// deletePrefix deletes the rows whose key starts with prefix and reports whether there were any.
func deletePrefix(txn *memdb.Txn, table, prefix string) (bool, error) {
	deleted, err := txn.DeletePrefix(table, indexIDPrefix, prefix)
	if err != nil {
		return false, fmt.Errorf("storage: delete from %s: %w", table, err)
	}
	return deleted, nil
}

// Changed returns a channel that is closed at the next write to the store. Take the channel before checking
// the condition you wait for, so that no write can slip in between:
//
//	for {
//		ch := s.Changed()
//		if cond() { break }
//		select { case <-ch: case <-ctx.Done(): return ctx.Err() }
//	}
func (s *Store) Changed() <-chan struct{} {
	_, ch := s.meta()
	return ch
}

// WaitFor blocks until cond returns true or ctx ends, re-evaluating cond after every write to the store. It
// returns ctx.Err() when ctx ends first. cond runs on the calling goroutine and should only read the store.
func (s *Store) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		ch := s.Changed()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ConfigOffset is the offset of the next config-topic record to read, Kafka Connect's configState.offset():
// -1 before any record has been applied.
func (s *Store) ConfigOffset() int64 {
	m, _ := s.meta()
	return m.ConfigOffset
}

// SessionKey returns the latest session key read from the config topic.
func (s *Store) SessionKey() (records.SessionKey, bool) {
	m, _ := s.meta()
	if m.SessionKey == nil {
		return records.SessionKey{}, false
	}
	return *m.SessionKey, true
}
