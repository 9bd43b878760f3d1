package filestream

import (
	"log/slog"

	"github.com/connectd/connectd/connector"
)

// Class names, as Kafka Connect reports them.
const (
	SourceClass     = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	SourceTaskClass = "org.apache.kafka.connect.file.FileStreamSourceTask"
	SinkClass       = "org.apache.kafka.connect.file.FileStreamSinkConnector"
	SinkTaskClass   = "org.apache.kafka.connect.file.FileStreamSinkTask"
)

// Version is the version the connectors report, that of the Kafka release they follow.
const Version = "3.9.0"

// Configuration keys.
const (
	KeyFile      = "file"
	KeyTopic     = "topic"
	KeyBatchSize = "batch.size"
)

// Keys of the source partition and offset maps.
const (
	FilenameField = "filename"
	PositionField = "position"
)

// Register adds both connectors to r.
func Register(r *connector.Registry) error {
	if err := r.Register(connector.Plugin{
		Class: SourceClass, Type: connector.Source, Version: Version, Spec: SourceSpec(), TaskClass: SourceTaskClass,
		NewConnector:  func() connector.Connector { return &SourceConnector{} },
		NewSourceTask: func() connector.SourceTask { return &SourceTask{} },
	}); err != nil {
		return err
	}
	return r.Register(connector.Plugin{
		Class: SinkClass, Type: connector.Sink, Version: Version, Spec: SinkSpec(), TaskClass: SinkTaskClass,
		NewConnector: func() connector.Connector { return &SinkConnector{} },
		NewSinkTask:  func() connector.SinkTask { return &SinkTask{} },
	})
}

// loggerOf returns the logger a worker context offers, or a discarding one.
func loggerOf(ctx interface{ Logger() *slog.Logger }) *slog.Logger {
	if ctx != nil {
		if l := ctx.Logger(); l != nil {
			return l
		}
	}
	return slog.New(slog.DiscardHandler)
}
