package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/backoff"
	"github.com/connectd/connectd/herder"
)

// Kafka Connect's DistributedHerder.RECONFIGURE_CONNECTOR_TASKS_BACKOFF_INITIAL_MS and _MAX_MS: task configs
// that could not be generated or committed are regenerated after 250 ms, doubling up to 60 s.
const (
	reconfigureBackoffInitial = 250 * time.Millisecond
	reconfigureBackoffMax     = 60 * time.Second
)

// ConfigHash identifies one connector config, and so the incarnation of a connector that task configs were
// generated from: the hex SHA-256 of the config as JSON (keys sorted, so equal maps hash alike).
func ConfigHash(config map[string]string) string {
	b, err := json.Marshal(config)
	if err != nil {
		// A map[string]string always encodes.
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// taskPublisher gets the task configs of one connector instance committed, as Kafka Connect's
// reconfigureConnectorTasksWithRetry does: an attempt hands configs to the leader (or reports a failure the
// herder had itself); when it fails, the herder is asked after a back-off to generate the configs again from the
// instance and the current connector config, never to resend old ones. It belongs to a connectorRunner and
// its methods run on the herder loop. At most one attempt runs at a time: a newer one replaces it (latest
// wins), and stop ends it when the instance stops (the connector is deleted, reconfigured, revoked, paused,
// stopped or failed, or the worker stops).
type taskPublisher struct {
	name string
	log  *slog.Logger
	// post hands task configs generated from the connector config with the given ConfigHash to the leader.
	post func(ctx context.Context, configs []map[string]string, configHash string) error
	// regenerate asks the herder to generate and publish the task configs again.
	regenerate func()

	// backoff is used by the running attempt's goroutine, and by the herder only after that goroutine ended.
	backoff backoff.Backoff
	cancel  context.CancelFunc
	done    chan struct{}
}

func (w *Worker) newTaskPublisher(name string, log *slog.Logger) *taskPublisher {
	return &taskPublisher{
		name: name, log: log,
		post: func(ctx context.Context, configs []map[string]string, configHash string) error {
			return w.postTaskConfigs(ctx, name, configs, configHash)
		},
		regenerate: func() { w.requestReconfiguration(name) },
		// No jitter, as Kafka Connect.
		backoff: backoff.Backoff{Base: reconfigureBackoffInitial, Max: reconfigureBackoffMax},
	}
}

// publish hands configs, generated from the connector config with hash configHash, to the leader in the
// background, replacing any attempt under way.
func (p *taskPublisher) publish(parent context.Context, configs []map[string]string, configHash string) {
	p.launch(parent, func(ctx context.Context) error { return p.post(ctx, configs, configHash) })
}

// retry schedules a regeneration after the back-off for a failure the herder met itself (generating the
// configs, or writing them as the leader), replacing any attempt under way.
func (p *taskPublisher) retry(parent context.Context, err error) {
	p.launch(parent, func(context.Context) error { return err })
}

// committed records that the current task configs are in the config topic: the back-off starts over.
func (p *taskPublisher) committed() {
	p.stop()
	p.backoff.Reset()
}

func (p *taskPublisher) launch(parent context.Context, attempt func(ctx context.Context) error) {
	p.stop()
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	p.cancel, p.done = cancel, done
	go func() {
		defer close(done)
		err := attempt(ctx)
		if ctx.Err() != nil {
			return // replaced or stopped: whoever did that decides what comes next
		}
		if err == nil {
			p.backoff.Reset()
			return
		}
		delay := p.backoff.Next()
		p.log.Warn("task configs not committed, regenerating them after a back-off", "err", err, "backoff", delay)
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
			p.regenerate()
		}
	}()
}

// stop ends the attempt under way, if any, and waits for its goroutine.
func (p *taskPublisher) stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	<-p.done
	p.cancel, p.done = nil, nil
}

// postTaskConfigs is one attempt of a follower to hand task configs to the leader through the internal POST
// /connectors/{name}/tasks, signed with the session key.
func (w *Worker) postTaskConfigs(ctx context.Context, name string, configs []map[string]string, configHash string) error {
	leaderURL, _, _ := w.group.leaderInfo()
	if leaderURL == "" {
		return fmt.Errorf("no known leader")
	}
	body, err := json.Marshal(configs)
	if err != nil {
		return fmt.Errorf("encode task configs: %w", err)
	}
	q := url.Values{"forward": {"true"}, herder.ConfigHashParam: {configHash}}
	u := leaderURL + "connectors/" + url.PathEscape(name) + "/tasks?" + q.Encode()
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
	resp, err := w.httpClient.Do(req)
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

// checkIncarnation refuses task configs that were not generated from the connector's current config: a
// follower may still be retrying configs of a connector that has since been deleted and re-created, or
// reconfigured, and committing them would run the new connector's tasks with the old configs. With a
// configHash the follower named the config it started from; without one (a Java worker) the leader checks
// what the framework adds to every task config from the connector config (Worker.connectorTaskConfigs):
// task.class, and the topics or topics.regex of a sink. It reads the config topic to its end before refusing,
// in case the follower saw a config this worker has not read yet. Kafka Connect does not check this; it
// refuses task configs that do not fit the connector's state (non-empty for a STOPPED connector) with a 400,
// and so does this.
func (w *Worker) checkIncarnation(ctx context.Context, name string, configs []map[string]string, configHash string) error {
	c, ok := w.store.Connector(name)
	if !ok {
		return requestError(herder.ErrNotFound, "Connector "+name+" not found")
	}
	if w.notDerivedFrom(c.Config, configs, configHash) == "" {
		return nil
	}
	if err := w.configLog.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("read config topic: %w", err)
	}
	if c, ok = w.store.Connector(name); !ok {
		return requestError(herder.ErrNotFound, "Connector "+name+" not found")
	}
	if why := w.notDerivedFrom(c.Config, configs, configHash); why != "" {
		w.log.Warn("refusing stale task configs", "connector", name, "reason", why)
		return requestError(herder.ErrBadRequest, "Cannot submit task configs for connector "+name+
			" that were not generated from its current configuration: "+why)
	}
	return nil
}

// notDerivedFrom says why configs cannot have been generated from the connector config current, "" when
// they can.
func (w *Worker) notDerivedFrom(current map[string]string, configs []map[string]string, configHash string) string {
	if configHash != "" {
		if configHash != ConfigHash(current) {
			return "the connector has been reconfigured, or deleted and re-created, since they were generated"
		}
		return ""
	}
	plugin, _, err := w.registry.Resolve(current)
	for i, tc := range configs {
		if err == nil && tc["task.class"] != plugin.TaskClass {
			return fmt.Sprintf("task %d has task.class %q, the connector's class runs %q", i, tc["task.class"], plugin.TaskClass)
		}
		for _, k := range []string{"topics", "topics.regex"} {
			want, set := current[k]
			got, has := tc[k]
			if (set || (err == nil && plugin.Type == connector.Sink)) && (got != want || has != set) {
				return fmt.Sprintf("task %d has %s %q, the connector has %q", i, k, got, want)
			}
		}
	}
	return ""
}
