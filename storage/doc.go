// Package storage is the worker's read model of Kafka Connect's internal topics: connector and task configs
// from the config topic, connector, task and topic statuses from the status topic, and source offsets from the
// offsets topic. It is fed only by Apply*Record, one record at a time in topic order, and reproduces the
// readers of Apache Kafka Connect 3.9 (KafkaConfigBackingStore, KafkaStatusBackingStore,
// KafkaOffsetBackingStore) so that a connectd worker sees what a Java worker in the same cluster sees.
//
// The data lives in a go-memdb database. Reads are lock-free snapshots and safe from any goroutine; objects
// they return are shared and must not be modified. Every write transaction also rewrites one meta row, so
// Changed (a memdb watch on that row) fires on any change and callers can wait for a condition with WaitFor
// instead of polling.
//
// The package knows nothing about Kafka clients or HTTP; it imports go-memdb, the stdlib and the record codec.
package storage
