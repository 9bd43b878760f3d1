package main

import (
	"testing"

	metrics "github.com/rcrowley/go-metrics"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: no goroutine outlives its owner (STYLE rule 2).
func TestMain(m *testing.M) {
	// As main sets it: sarama's go-metrics meters would each start a goroutine that never ends.
	metrics.UseNilMetrics = true
	goleak.VerifyTestMain(m)
}
