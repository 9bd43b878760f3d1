package main

import (
	"testing"

	"github.com/rcrowley/go-metrics"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: no goroutine outlives its owner (STYLE rule 2).
func TestMain(m *testing.M) {
	// As main: sarama's meters would start go-metrics' arbiter, a goroutine that never stops.
	metrics.UseNilMetrics = true
	goleak.VerifyTestMain(m)
}
