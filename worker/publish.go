package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// publishTaskConfigs hands new task configs of a connector this follower runs to the leader through the
// internal POST /connectors/{name}/tasks, signed with the session key, retrying with back-off (250 ms
// doubling to 60 s, as Kafka Connect) until the leader has them, the connector's configs change again, or the
// worker stops.
func (w *Worker) publishTaskConfigs(ctx context.Context, name string, configs []map[string]string) {
	body, err := json.Marshal(configs)
	if err != nil {
		w.log.Error("encode task configs", "connector", name, "err", err)
		return
	}
	w.runners.Add(1)
	go func() {
		defer w.runners.Done()
		backoff := 250 * time.Millisecond
		for {
			if !taskConfigsChanged(w.store.TaskConfigs(name), configs) {
				return
			}
			leaderURL, _, _ := w.group.leaderInfo()
			err := w.postTaskConfigs(ctx, leaderURL, name, body)
			if err == nil {
				return
			}
			w.log.Warn("publishing task configs to the leader failed, retrying", "connector", name, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
				backoff = min(2*backoff, 60*time.Second)
			}
		}
	}()
}

func (w *Worker) postTaskConfigs(ctx context.Context, leaderURL, name string, body []byte) error {
	if leaderURL == "" {
		return fmt.Errorf("no known leader")
	}
	u := leaderURL + "connectors/" + url.PathEscape(name) + "/tasks?forward=true"
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "kafka-connect")
	w.SignRequest(body, req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("leader answered %d: %s", resp.StatusCode, msg)
	}
	return nil
}
