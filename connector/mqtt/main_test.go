package mqtt

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: no goroutine outlives its owner (STYLE rule 2).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// sarama registers its broker and client meters with go-metrics; the first metrics.NewMeter starts
		// go-metrics' package-level arbiter (meter.go: `go arbiter.tick()`), which ticks every meter every 5 s and
		// never stops, whatever the meters or clients do. connectd's binaries set metrics.UseNilMetrics instead.
		goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
		// sarama's circuit breakers (go-resiliency) sleep ten seconds on a goroutine of their own once they open
		// (breaker.go: `go b.timer()`), which nothing can stop; they open when leader lookups keep failing, as
		// they do for the records of an abandoned task's aborted producer (worker.taskProducer.abort).
		goleak.IgnoreAnyFunction("github.com/eapache/go-resiliency/breaker.(*Breaker).timer"),
	)
}
