package group

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// These tests run against a real Kafka broker when CONNECTD_KAFKA_BOOTSTRAP names one (host:port[,...]).
// They use broker defaults: a 6 s minimum session timeout and a 3 s initial rebalance delay.

func realKafka(t *testing.T) sarama.Client {
	t.Helper()
	addrs := os.Getenv("CONNECTD_KAFKA_BOOTSTRAP")
	if addrs == "" {
		t.Skip("CONNECTD_KAFKA_BOOTSTRAP not set")
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.ClientID = "group-test"
	cl, err := sarama.NewClient(strings.Split(addrs, ","), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

func realGroup(t *testing.T) string {
	return fmt.Sprintf("connectd-it-%s-%d", t.Name(), time.Now().UnixNano())
}

func realOpts(cfg *Config) {
	cfg.SessionTimeout, cfg.RebalanceTimeout, cfg.HeartbeatInterval = 6*time.Second, 10*time.Second, 500*time.Millisecond
}

func TestRealKafkaGroup(t *testing.T) {
	cl := realKafka(t)
	group := realGroup(t)
	var log leaderLog
	var ds []*driver
	var ms []*Member
	for i := 1; i <= 3; i++ {
		m := newTestMember(t, cl, group, fmt.Sprintf("w%d", i), realOpts)
		ms = append(ms, m)
		ds = append(ds, startDriver(t, m, fmt.Sprintf("http://w%d/", i), log.assigner(sixTasksAt7)))
	}
	var before JoinResult
	waitFor(t, 60*time.Second, "three members", func() (ok bool) { before, ok = settled(ds...); return ok })
	for i, d := range ds {
		res, _, _ := d.state()
		want := log.get(res.Generation)[res.MemberID]
		if !sameAssignment(t, res.Assignment, want) || res.Protocol != ProtocolSessioned {
			t.Errorf("member %d got %+v (%s), leader computed %+v", i, res.Assignment, res.Protocol, want)
		}
	}

	// A clean leave: the others rebalance without waiting for the session timeout.
	ds[2].stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ms[2].Leave(ctx); err != nil {
		t.Fatal(err)
	}
	var after JoinResult
	waitFor(t, 30*time.Second, "two members after the leave", func() (ok bool) {
		after, ok = settled(ds[0], ds[1])
		return ok && after.Generation > before.Generation
	})

	// A crash: the last two notice after the session timeout.
	ds[1].stop()
	waitFor(t, 60*time.Second, "one member after the eviction", func() bool {
		last, ok := settled(ds[0])
		return ok && last.Generation > after.Generation
	})
}

// TestJavaConnectInterop joins a group that an Apache Kafka Connect worker already leads, when
// CONNECTD_JAVA_CONNECT_URL (its REST URL) and CONNECTD_JAVA_CONNECT_GROUP (its group.id) are set, with
// CONNECTD_KAFKA_BOOTSTRAP. The Java leader must accept our metadata and hand us part of its work in
// assignments we decode.
func TestJavaConnectInterop(t *testing.T) {
	cl := realKafka(t)
	javaURL, group := os.Getenv("CONNECTD_JAVA_CONNECT_URL"), os.Getenv("CONNECTD_JAVA_CONNECT_GROUP")
	if javaURL == "" || group == "" {
		t.Skip("CONNECTD_JAVA_CONNECT_URL or CONNECTD_JAVA_CONNECT_GROUP not set")
	}
	m := newTestMember(t, cl, group, "go-worker:8083", realOpts)
	var log leaderLog
	// Never the leader while the Java worker stays: the coordinator keeps the existing leader.
	d := startDriverAt(t, m, "http://go-worker:8083/", -1, log.assigner(Snapshot{Offset: -1}))
	waitFor(t, 60*time.Second, "work from the Java leader", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.running != nil && !d.running.Assigned.IsEmpty() && d.last.Assignment.Revoked.IsEmpty()
	})
	res, _, _ := d.state()
	if res.IsLeader || res.Protocol != ProtocolSessioned {
		t.Fatalf("leader %v protocol %q", res.IsLeader, res.Protocol)
	}
	a := res.Assignment
	if a.Version != 2 || a.Error != NoError || a.Leader != res.LeaderID || strings.TrimSuffix(a.LeaderURL, "/") != strings.TrimSuffix(javaURL, "/") {
		t.Fatalf("assignment from the Java leader: %+v", a)
	}
	d.mu.Lock()
	t.Logf("generation %d: running %+v", res.Generation, d.running.Assigned)
	d.mu.Unlock()
}
