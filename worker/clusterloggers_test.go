package worker_test

import (
	"net/http"
	"testing"

	"github.com/connectd/connectd/test/workertest"
)

// A cluster-scope level set through one worker reaches every worker through the config topic, the writer
// included; a worker-scope level stays on its worker.
func TestClusterScopeLoggerLevel(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Workers(2))
	const name = "org.apache.kafka.connect.runtime"

	status, body := c.Do(0, http.MethodPut, "/admin/loggers/"+name+"?scope=cluster", `{"level":"debug"}`)
	expect(t, "PUT scope=cluster", status, body, http.StatusNoContent, "")
	for i := range 2 {
		workertest.WaitFor(t, c.Eventually(), "cluster level on every worker", func() bool {
			status, body := c.Do(i, http.MethodGet, "/admin/loggers/"+name, nil)
			return status == http.StatusOK && decode[map[string]any](t, body)["level"] == "DEBUG"
		})
	}

	status, body = c.Do(1, http.MethodPut, "/admin/loggers/"+name+"?scope=CLUSTER", `{"level":"NOPE"}`)
	expect(t, "invalid level", status, body, http.StatusNotFound, `{"error_code":404,"message":"invalid log level 'NOPE'."}`)

	status, body = c.Do(1, http.MethodPut, "/admin/loggers/"+name, `{"level":"ERROR"}`)
	expect(t, "PUT worker scope", status, body, http.StatusOK, "")
	status, body = c.Do(0, http.MethodGet, "/admin/loggers/"+name, nil)
	if status != http.StatusOK || decode[map[string]any](t, body)["level"] != "DEBUG" {
		t.Fatalf("worker 0 after a worker-scope change on worker 1: %d %s", status, body)
	}
}

// A worker that starts after a cluster-scope level was written ignores it, as Kafka Connect's workers ignore
// logger records read before their startup completes.
func TestClusterScopeLoggerLevelNotReplayed(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t)
	const name = "connectd.replay"
	status, body := c.Do(0, http.MethodPut, "/admin/loggers/"+name+"?scope=cluster", `{"level":"TRACE"}`)
	expect(t, "PUT scope=cluster", status, body, http.StatusNoContent, "")
	workertest.WaitFor(t, c.Eventually(), "level on worker 0", func() bool {
		status, _ := c.Do(0, http.MethodGet, "/admin/loggers/"+name, nil)
		return status == http.StatusOK
	})
	i := c.StartWorker()
	c.WaitReady(i)
	status, body = c.Do(i, http.MethodGet, "/admin/loggers/"+name, nil)
	expect(t, "late worker", status, body, http.StatusNotFound, "")
}
