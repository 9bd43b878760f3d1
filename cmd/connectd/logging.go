package main

import (
	"log"
	"log/slog"

	"github.com/IBM/sarama"
)

// bridgeLibraryLoggers sends sarama's package-level logger to slog at debug level under component "sarama".
// This is the one place connectd touches a library's globals.
func bridgeLibraryLoggers(logger *slog.Logger) {
	sarama.Logger = log.New(slogWriter{logger.With("component", "sarama")}, "", 0)
}

// slogWriter adapts a *log.Logger's output to slog debug records.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	msg := string(p)
	if n := len(msg); n > 0 && msg[n-1] == '\n' {
		msg = msg[:n-1]
	}
	w.l.Debug("sarama", "msg", msg)
	return len(p), nil
}
