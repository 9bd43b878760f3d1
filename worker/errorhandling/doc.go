// Package errorhandling is Kafka Connect's error handling for the task pipelines (KIP-298, KIP-610), after
// org.apache.kafka.connect.runtime.errors: the [Operator] that runs each record's conversions and
// transformations with retries (errors.retry.timeout, errors.retry.delay.max.ms) and tolerance
// (errors.tolerance), the reporters that log a failure (errors.log.enable) and write the failed record to a
// sink connector's dead letter queue (errors.deadletterqueue.*), and the task-error metric counters.
//
// A record's passage is a [Context] the worker keeps on its stack: nothing is allocated while operations
// succeed. Reporters see a copy of the context only when an operation fails.
package errorhandling
