//go:build integration

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
)

// statusTopic is the workers' status.storage.topic.
const statusTopic = "it-connect-status"

// firstAfter is the time from since until the first message acknowledged by Mosquitto at or after since
// reached Kafka. ok is false when no such message arrived.
func (tr *tracker) firstAfter(since time.Time) (time.Duration, bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	first := -1
	for i, p := range tr.published {
		if p.IsZero() || p.Before(since) {
			continue
		}
		if first < 0 || p.Before(tr.published[first]) {
			first = i
		}
	}
	if first < 0 || tr.arrived[first].IsZero() {
		return 0, false
	}
	return tr.arrived[first].Sub(since), true
}

// threeWorkers waits until the connector's three tasks run on three distinct workers.
func threeWorkers(t *testing.T, e *env, conn string) string {
	st := e.waitStatus(t, conn, 90*time.Second, "three tasks on three workers", func(s connectorStatus) bool {
		if !running(3)(s) {
			return false
		}
		ids := map[string]bool{}
		for _, tk := range s.Tasks {
			ids[tk.WorkerID] = true
		}
		return len(ids) == 3
	})
	ids := make([]string, 0, 3)
	for _, tk := range st.Tasks {
		ids = append(ids, tk.WorkerID)
	}
	sort.Strings(ids)
	return "tasks on " + strings.Join(ids, ", ")
}

// kafkaDown stops every broker for d while publishing goes on, starts them again and waits for the connector
// and its task to be RUNNING without any restart request; recovery counts from the brokers' start.
func kafkaDown(d time.Duration) func(t *testing.T, e *env, f *flow) outcome {
	return kafkaOutage(d, nil)
}

// kafkaOutage is kafkaDown with a look at the system at the end of the outage, just before the brokers start:
// atEnd returns notes for the table.
func kafkaOutage(d time.Duration, atEnd func(t *testing.T, e *env, f *flow) string) func(t *testing.T, e *env, f *flow) outcome {
	return func(t *testing.T, e *env, f *flow) outcome {
		conn := f.conn
		if err := e.script("kafka.sh", "stop"); err != nil {
			t.Fatal(err)
		}
		outage := time.NewTimer(d)
		<-outage.C
		var notes string
		if atEnd != nil {
			notes = atEnd(t, e, f) + "; "
		}
		if err := e.script("kafka.sh", "start"); err != nil {
			t.Fatal(err)
		}
		restarted := time.Now()
		e.waitStatus(t, conn, 3*time.Minute, "RUNNING after the outage", running(1))
		return outcome{
			notes: fmt.Sprintf("%s3 brokers stopped %v; RUNNING %s after the start, no restart request", notes, d,
				time.Since(restarted).Round(100*time.Millisecond)),
			since: restarted,
		}
	}
}

// endOffsets returns the end offset of every partition of topic.
func endOffsets(topic string) (map[int32]int64, error) {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cl, err := sarama.NewClient(kafkaBrokers, cfg)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	parts, err := cl.Partitions(topic)
	if err != nil {
		return nil, err
	}
	ends := map[int32]int64{}
	for _, p := range parts {
		o, err := cl.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return nil, err
		}
		ends[p] = o
	}
	return ends, nil
}

// waitStatusRecord reads the status topic until a record with key at or past the end offsets from has state:
// a status written after from was taken.
func waitStatusRecord(ctx context.Context, from map[int32]int64, key, state string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(kafkaBrokers...),
		kgo.ConsumeTopics(statusTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	for ctx.Err() == nil {
		found := false
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			if string(r.Key) != key || r.Offset < from[r.Partition] {
				return
			}
			var v struct {
				State string `json:"state"`
			}
			if json.Unmarshal(r.Value, &v) == nil && v.State == state {
				found = true
			}
		})
		if found {
			return nil
		}
	}
	return ctx.Err()
}

var leaderRE = regexp.MustCompile(`^time=(\S+) .*msg="joined group".* leader=connect-127\.0\.0\.1:(\d+)-`)

// groupLeader reads the running workers' logs for the leader named by the newest join: generations restart
// when the whole group has gone, so the join time, not the generation, tells which is current.
func (e *env) groupLeader() (*worker, error) {
	var bestAt time.Time
	bestPort := 0
	for _, w := range e.workers {
		if !w.running() {
			continue
		}
		f, err := os.Open(w.file(".log"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			m := leaderRE.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, m[1])
			if err != nil {
				continue
			}
			if !at.Before(bestAt) {
				bestAt = at
				bestPort, _ = strconv.Atoi(m[2])
			}
		}
		f.Close()
	}
	for _, w := range e.workers {
		if w.port == bestPort && w.running() {
			return w, nil
		}
	}
	return nil, fmt.Errorf("no running group leader in the worker logs")
}

// leaderKilledDuringCreates creates 10 connectors through a follower while the leader is killed -9 after the
// fifth, retrying 409 and 5xx answers as a client would; exactly the 10 must exist and run.
func leaderKilledDuringCreates(t *testing.T, e *env) {
	res := result{Scenario: "leader-killed-during-creates", Recovery: "-"}
	defer func() {
		res.Pass = !t.Failed()
		record(res)
	}()
	if err := e.waitWorkers(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	leader, err := e.groupLeader()
	if err != nil {
		t.Fatal(err)
	}
	via := e.live(leader.index)
	if via == nil {
		t.Fatal("no follower")
	}
	input := filepath.Join(e.run, "creates.txt")
	if err := os.WriteFile(input, []byte("{\"seq\":0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := createTopic("it-creates"); err != nil {
		t.Fatal(err)
	}
	const n = 10
	names := make([]string, n)
	var killed time.Time
	var retries int
	dead := make(chan struct{})
	for i := range n {
		names[i] = fmt.Sprintf("it-create-%02d", i)
		if i == n/2 {
			// Killed while this create is in flight, forwarded to it.
			killed = time.Now()
			go func() {
				defer close(dead)
				leader.stop(syscall.SIGKILL)
			}()
		}
		body := map[string]any{"name": names[i], "config": map[string]string{
			"connector.class": "FileStreamSource", "file": input, "topic": "it-creates", "tasks.max": "1",
		}}
		// POST, not PUT: a retried POST whose first attempt did land answers 409 "already exists", which a
		// client counts as done; a duplicate would show in the list below.
		err := poll(context.Background(), 3*time.Minute, func() (bool, error) {
			code, b, err := e.do(http.MethodPost, via.url("/connectors"), body)
			switch {
			case err != nil:
				retries++
				return false, nil
			case code == http.StatusCreated:
				return true, nil
			case code == http.StatusConflict && strings.Contains(string(b), "already exists"):
				return true, nil
			case code == http.StatusConflict || code >= 500:
				retries++
				return false, nil
			default:
				return false, fmt.Errorf("POST %s: %d %s", names[i], code, b)
			}
		})
		if err != nil {
			t.Fatalf("create %s: %v", names[i], err)
		}
	}
	<-dead
	res.Recovery = time.Since(killed).Round(100 * time.Millisecond).String()
	var got []string
	if err := json.Unmarshal(e.mustREST(t, http.MethodGet, "/connectors", nil, 200), &got); err != nil {
		t.Fatal(err)
	}
	var mine []string
	for _, c := range got {
		if strings.HasPrefix(c, "it-create-") {
			mine = append(mine, c)
		}
	}
	sort.Strings(mine)
	if strings.Join(mine, ",") != strings.Join(names, ",") {
		t.Errorf("connectors after the creates: %v, want %v", mine, names)
	}
	for _, c := range names {
		e.waitStatus(t, c, 2*time.Minute, "RUNNING", running(1))
	}
	res.Sent, res.Received = n, len(mine)
	seen := map[string]int{}
	for _, c := range mine {
		seen[c]++
	}
	for _, c := range names {
		switch k := seen[c]; {
		case k == 0:
			res.Lost++
		case k > 1:
			res.Duplicated += k - 1
		}
	}
	res.Notes = fmt.Sprintf("leader %s killed after 5 creates via %s; %d retried answers", leader.id(), via.id(), retries)
	if err := leader.start(); err != nil {
		t.Error(err)
	}
	if err := e.waitWorkers(2 * time.Minute); err != nil {
		t.Error(err)
	}
	for _, c := range names {
		e.mustREST(t, http.MethodDelete, "/connectors/"+c, nil, 204)
	}
}
