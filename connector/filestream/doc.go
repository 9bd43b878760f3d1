// Package filestream holds the FileStream connectors Apache Kafka ships as examples,
// org.apache.kafka.connect.file.FileStreamSourceConnector and FileStreamSinkConnector, with Kafka 3.9's
// configuration, task configurations, offsets and line handling.
//
// The source reads a file (or standard input) line by line, splitting at "\n", "\r\n" and "\r" as Kafka's
// FileStreamSourceTask does, and writes each line as a STRING value to one topic. Its source partition is
// {"filename": <file>} and its offset {"position": <offset after the line>}, from which a restarted task
// resumes. A last line without a terminator is not sent until it is terminated.
//
// Differences from Kafka: positions count bytes, where Kafka counts the UTF-16 characters it decoded (and
// then skips that many bytes on restart, which only agrees for ASCII files); a write error in the sink fails
// the task, where Kafka's PrintStream swallows it; the sink flushes and fsyncs the file on every offset commit;
// lines a batch limit left in the buffer are sent on the next poll even when the file has not grown.
package filestream
