package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	paho "github.com/eclipse/paho.mqtt.golang"
)

// freeRun finds n consecutive free loopback ports.
func freeRun(t *testing.T, n int) int {
	t.Helper()
	for range 100 {
		base := 20000 + rand.IntN(40000)
		ok := true
		for p := base; p < base+n && ok; p++ {
			ok = portFree(p) == nil
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// TestDevStackEndToEnd runs the built binary as `connectd dev`, POSTs the user's connector file with
// tasks.max=3, publishes over MQTT and reads the records back from Kafka, then stops it with SIGINT.
func TestDevStackEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "connectd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	kafka, mqttPort, rest := freeRun(t, 3), freeRun(t, 1), freeRun(t, 3)
	cmd := exec.Command(bin, "dev", "--kafka-port", strconv.Itoa(kafka), "--mqtt-port", strconv.Itoa(mqttPort),
		"--rest-port", strconv.Itoa(rest))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	get := func(port int, path string) (int, []byte) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for i := range 3 {
		waitFor(t, 90*time.Second, fmt.Sprintf("worker %d answers GET /", i), func() bool {
			status, body := get(rest+i, "/")
			return status == 200 && strings.Contains(string(body), `"version":"3.9.0"`)
		})
	}

	fixture, err := os.ReadFile("../../testdata/mqtt-connector.json")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(string(fixture), "tcp://localhost:1883", "tcp://127.0.0.1:"+strconv.Itoa(mqttPort), 1)
	body = strings.Replace(body, `"tasks.max": "1"`, `"tasks.max": "3"`, 1)
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/connectors", rest), "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("POST connector: %d", resp.StatusCode)
	}
	waitFor(t, 60*time.Second, "three tasks RUNNING on three workers", func() bool {
		_, b := get(rest+1, "/connectors/mqtt-source-connector/status")
		var st struct {
			Tasks []struct {
				State    string `json:"state"`
				WorkerID string `json:"worker_id"`
			} `json:"tasks"`
		}
		if json.Unmarshal(b, &st) != nil || len(st.Tasks) != 3 {
			return false
		}
		workers := map[string]bool{}
		for _, ts := range st.Tasks {
			if ts.State != "RUNNING" {
				return false
			}
			workers[ts.WorkerID] = true
		}
		return len(workers) == 3
	})
	// The cluster view, asked of any worker, is the leader's: three workers, one task each.
	waitFor(t, 30*time.Second, "GET /connectd/cluster lists three workers with one task each", func() bool {
		_, b := get(rest+2, "/connectd/cluster")
		var ci struct {
			Generation int32  `json:"generation"`
			Leader     string `json:"leader"`
			Workers    []struct {
				ID    string `json:"id"`
				Tasks []struct {
					Connector string `json:"connector"`
				} `json:"tasks"`
			} `json:"workers"`
		}
		if json.Unmarshal(b, &ci) != nil || len(ci.Workers) != 3 || ci.Generation < 1 {
			return false
		}
		leaderSeen := false
		for _, w := range ci.Workers {
			leaderSeen = leaderSeen || w.ID == ci.Leader
			if len(w.Tasks) != 1 || w.Tasks[0].Connector != "mqtt-source-connector" {
				return false
			}
		}
		return leaderSeen
	})
	if status, page := get(rest, "/ui/"); status != 200 || !strings.Contains(string(page), "<title>connectd console</title>") {
		t.Fatalf("GET /ui/: %d\n%s", status, page)
	}

	opts := paho.NewClientOptions().AddBroker("tcp://127.0.0.1:" + strconv.Itoa(mqttPort)).SetClientID("dev-test-publisher").
		// The stack (and its broker) stops before the deferred Disconnect: no reconnect goroutine may outlive the test.
		SetAutoReconnect(false)
	pub := paho.NewClient(opts)
	if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtt connect: %v", tok.Error())
	}
	defer pub.Disconnect(100)

	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	brokers := []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(kafka))}
	client, err := sarama.NewClient(brokers, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	got := make(chan *sarama.ConsumerMessage, 100)
	parts, err := client.Partitions("vehicle-data")
	if err != nil || len(parts) != 3 {
		t.Fatalf("vehicle-data partitions: %v %v", parts, err)
	}
	for _, p := range parts {
		pc, err := consumer.ConsumePartition("vehicle-data", p, sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		go func() {
			for m := range pc.Messages() {
				got <- m
			}
		}()
	}
	// Publish until a record arrives: shared subscriptions are in place shortly after the tasks report RUNNING.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var m *sarama.ConsumerMessage
	for m == nil {
		pub.Publish("/mqtt/test/car1", 1, false, `{"speed":42}`).WaitTimeout(5 * time.Second)
		select {
		case m = <-got:
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("no record reached vehicle-data")
		}
	}
	if string(m.Key) != "/mqtt/test/car1" || string(m.Value) != `{"speed":42}` {
		t.Fatalf("record key %q value %q", m.Key, m.Value)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("connectd dev exited with %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("connectd dev did not stop after SIGINT")
	}
	if !strings.Contains(stdout.String(), "connectd dev stack is up") {
		t.Fatalf("no banner:\n%s", stdout.String())
	}
	if want := fmt.Sprintf("web console:                   http://localhost:%d/ui/", rest); !strings.Contains(stdout.String(), want) {
		t.Fatalf("the banner does not show %q:\n%s", want, stdout.String())
	}
}
