// Package records encodes and decodes the records of Kafka Connect's three internal topics (config, status and
// offsets) byte for byte as Apache Kafka Connect 3.9 writes and reads them: keys are plain strings (config and
// status topics) or schemaless JSON (offsets topic), values are schemaless JSON produced by Jackson.
//
// Encoders write fields in the order Kafka's JsonConverter does (the Struct schema order), so that a Java worker
// and connectd produce identical bytes. Decoders accept what a Java worker writes and mirror its readers: a field
// Kafka's reader tolerates is tolerated here, and a record Kafka's reader skips makes the decoder return an
// error wrapping ErrMalformed.
package records
