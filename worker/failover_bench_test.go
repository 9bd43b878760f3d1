package worker_test

import (
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/test/workertest"
)

// BenchmarkFailover measures the time from an abrupt kill of a worker until all of its tasks run on the
// survivors, on three in-process workers with a six-task connector. "recommended" uses the README's fast
// failover settings; "defaults" uses Kafka Connect's defaults (session.timeout.ms 10 s,
// scheduled.rebalance.max.delay.ms 5 min) and runs only with CONNECTD_BENCH_DEFAULTS=1, as it takes minutes.
func BenchmarkFailover(b *testing.B) {
	settings := map[string]map[string]string{
		"recommended": {"session.timeout.ms": "6000", "heartbeat.interval.ms": "2000", "scheduled.rebalance.max.delay.ms": "0"},
		"defaults":    {},
	}
	for _, name := range []string{"recommended", "defaults"} {
		b.Run(name, func(b *testing.B) {
			if name == "defaults" && os.Getenv("CONNECTD_BENCH_DEFAULTS") == "" {
				b.Skip("set CONNECTD_BENCH_DEFAULTS=1 to measure Kafka Connect's default settings (minutes)")
			}
			for b.Loop() {
				b.StopTimer()
				c := workertest.NewCluster(b, workertest.Workers(3), workertest.Plugins(connectortest.Register),
					workertest.KafkaOpts(kfake.GroupMinSessionTimeout(100*time.Millisecond)), workertest.WorkerProps(settings[name]))
				createSource(b, c, 0, "work", 6)
				c.WaitStore(0, "2/2/2", func(s *storage.Store) bool { return balanced(spread(s, "work"), 3, 2) })
				b.StartTimer()
				c.KillWorker(2)
				c.WaitStore(0, "tasks moved", func(s *storage.Store) bool { return balanced(spread(s, "work"), 2, 3) })
			}
		})
	}
}
