package worker_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/test/workertest"
)

// TestRequestsDuringShutdownAreAnswered sends herder requests while a worker stops and after it has stopped:
// each gets an answer (a success, or the 409 "Worker is shutting down"), none waits for a loop that is gone.
func TestRequestsDuringShutdownAreAnswered(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(connectortest.Register))
	w := c.Node(0).Worker
	config := map[string]string{"name": "src", "connector.class": connectortest.SourceClass, "topic": "t", connectortest.KeyCount: "1"}
	if _, err := w.CreateConnector(context.Background(), "src", config, records.TargetStarted); err != nil {
		t.Fatal(err)
	}
	c.WaitRunning(0, "src", 1)

	// hangLimit only turns a request that would wait forever into a failure; it measures nothing.
	const hangLimit = 30 * time.Second
	call := func() error {
		done := make(chan error, 1)
		go func() {
			_, err := w.RestartConnector(context.Background(), "src", false, false)
			done <- err
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(hangLimit):
			return errors.New("no answer: the request hangs")
		}
	}
	check := func(err error) {
		t.Helper()
		var re *herder.RequestError
		switch {
		case err == nil:
		case errors.As(err, &re) && errors.Is(err, herder.ErrConflict) && re.Message == "Worker is shutting down":
		default:
			t.Errorf("request during shutdown: %v", err)
		}
	}

	stopped := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stopped:
					return
				default:
				}
				check(call())
			}
		}()
	}
	c.StopWorker(0)
	close(stopped)
	wg.Wait()

	err := call()
	var re *herder.RequestError
	if !errors.As(err, &re) || !errors.Is(err, herder.ErrConflict) || re.Message != "Worker is shutting down" {
		t.Fatalf("request after stop: %v, want the 409 \"Worker is shutting down\"", err)
	}
}
