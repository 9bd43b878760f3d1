package main

import (
	"log"
	"log/slog"
	"sync/atomic"

	"github.com/IBM/sarama"
)

// saramaLogger is where sarama's output goes; nil drops it.
var saramaLogger atomic.Pointer[slog.Logger]

// sarama.Logger is assigned once, before any goroutine can read it: reassigning the global while sarama
// goroutines of an earlier client log is a data race (it happens when run is called more than once in one
// process, as the tests do). bridgeLibraryLoggers swaps the target atomically instead.
func init() { sarama.Logger = log.New(slogWriter{}, "", 0) }

// bridgeLibraryLoggers sends sarama's package-level logger to slog at debug level under component "sarama".
// This is the one place connectd touches a library's globals.
func bridgeLibraryLoggers(logger *slog.Logger) {
	saramaLogger.Store(logger.With("component", "sarama"))
}

// slogWriter adapts a *log.Logger's output to slog debug records on saramaLogger.
type slogWriter struct{}

func (slogWriter) Write(p []byte) (int, error) {
	l := saramaLogger.Load()
	if l == nil {
		return len(p), nil
	}
	msg := string(p)
	if n := len(msg); n > 0 && msg[n-1] == '\n' {
		msg = msg[:n-1]
	}
	l.Debug("sarama", "msg", msg)
	return len(p), nil
}
