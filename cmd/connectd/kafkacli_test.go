package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/worker/kafkalog"
)

// newCluster starts a three-broker in-process Kafka and returns its bootstrap flag value.
func newCluster(t *testing.T, opts ...kfake.Opt) string {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(3)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return strings.Join(c.ListenAddrs(), ",")
}

// cli runs one connectd command line and returns its exit code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, nil, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

// describeTopic returns the partition count and the non-default configs `topics describe` prints.
func describeTopic(t *testing.T, bootstrap, topic string) string {
	t.Helper()
	code, out, errOut := cli(t, "topics", "describe", topic, "--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("describe %s: exit %d: %s", topic, code, errOut)
	}
	return lines(out)[0]
}

func TestTopicsApply(t *testing.T) {
	t.Parallel()
	bootstrap := newCluster(t)
	file := writeFile(t, "topics.yaml", `
topics:
  - name: vehicle-data
    partitions: 3
    replicationFactor: 3
    configs:
      retention.ms: 604800000
  - name: vehicle-alerts
    partitions: 1
    replicationFactor: 3
`)
	code, out, errOut := cli(t, "topics", "apply", file, "--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("first apply: exit %d: %s", code, errOut)
	}
	want := []string{
		"create topic vehicle-data (partitions 3, replication factor 3, retention.ms=604800000)",
		"create topic vehicle-alerts (partitions 1, replication factor 3)",
	}
	if got := lines(out); !slices.Equal(got, want) {
		t.Fatalf("first apply printed\n%q\nwant\n%q", got, want)
	}
	summary := describeTopic(t, bootstrap, "vehicle-data")
	for _, w := range []string{"PartitionCount: 3", "ReplicationFactor: 3", "retention.ms=604800000"} {
		if !strings.Contains(summary, w) {
			t.Errorf("after apply, describe says %q, want %s", summary, w)
		}
	}

	// Idempotent: the second run finds nothing to do.
	code, out, errOut = cli(t, "topics", "apply", "--bootstrap-server", bootstrap, file)
	if code != 0 {
		t.Fatalf("second apply: exit %d: %s", code, errOut)
	}
	want = []string{"topic vehicle-data is up to date", "topic vehicle-alerts is up to date"}
	if got := lines(out); !slices.Equal(got, want) {
		t.Fatalf("second apply printed\n%q\nwant\n%q", got, want)
	}

	// Raising partitions and changing a config: the dry run plans both and changes neither.
	grown := writeFile(t, "topics.yaml", `
topics:
  - name: vehicle-data
    partitions: 6
    configs: {retention.ms: "86400000", cleanup.policy: delete}
`)
	code, out, errOut = cli(t, "topics", "apply", grown, "--dry-run", "--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errOut)
	}
	want = []string{
		"raise partitions of topic vehicle-data from 3 to 6",
		"set config retention.ms=86400000 on topic vehicle-data (was 604800000)",
		"dry run: 2 change(s) planned, nothing changed",
	}
	if got := lines(out); !slices.Equal(got, want) {
		t.Fatalf("dry run printed\n%q\nwant\n%q", got, want)
	}
	if s := describeTopic(t, bootstrap, "vehicle-data"); !strings.Contains(s, "PartitionCount: 3") || !strings.Contains(s, "retention.ms=604800000") {
		t.Fatalf("dry run changed the topic: %s", s)
	}
	code, out, errOut = cli(t, "topics", "apply", grown, "--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("apply grown: exit %d: %s", code, errOut)
	}
	if got := lines(out); !slices.Equal(got, want[:2]) {
		t.Fatalf("apply printed\n%q\nwant\n%q", got, want[:2])
	}
	if s := describeTopic(t, bootstrap, "vehicle-data"); !strings.Contains(s, "PartitionCount: 6") || !strings.Contains(s, "retention.ms=86400000") {
		t.Fatalf("apply did not change the topic: %s", s)
	}
}

func TestTopicsApplyRefusesUnsafeChanges(t *testing.T) {
	t.Parallel()
	bootstrap := newCluster(t, kfake.SeedTopics(3, "vehicle-data"))
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"lower partitions", `topics: [{name: vehicle-data, partitions: 2}]`,
			[]string{"topic vehicle-data", "has 3 partitions, the file asks for 2", "cannot remove partitions"}},
		{"change replication factor", `topics: [{name: vehicle-data, replicationFactor: 1}]`,
			[]string{"topic vehicle-data", "replication factor is 3, the file asks for 1"}},
		// One refusal stops the whole file: the new topic declared next to it is not created.
		{"refusal applies nothing", `topics: [{name: other, partitions: 1}, {name: vehicle-data, partitions: 1}]`,
			[]string{"nothing applied", "topic vehicle-data"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, "topics.yaml", tc.yaml)
			var stdout, stderr bytes.Buffer
			err := runTopics(context.Background(), []string{"apply", file, "--bootstrap-server", bootstrap}, &stdout, &stderr)
			var refused *topicRefusedError
			if !errors.As(err, &refused) || refused.Topic != "vehicle-data" {
				t.Fatalf("err = %v, want a topicRefusedError naming vehicle-data", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("a refused apply printed actions: %q", stdout.String())
			}
		})
	}
	code, out, _ := cli(t, "topics", "list", "--bootstrap-server", bootstrap)
	if code != 0 || strings.Contains(out, "other") {
		t.Fatalf("topic 'other' was created by a refused apply (exit %d): %q", code, out)
	}
	if s := describeTopic(t, bootstrap, "vehicle-data"); !strings.Contains(s, "PartitionCount: 3") {
		t.Fatalf("refused apply changed vehicle-data: %s", s)
	}
}

func TestLoadTopicsFile(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		yaml    string
		want    []topicSpec
		wantErr string
	}{
		{name: "numbers and booleans as config values", yaml: `
topics:
  - name: a
    partitions: 2
    replicationFactor: 3
    configs: {retention.ms: 604800000, unclean.leader.election.enable: false}`,
			want: []topicSpec{{Name: "a", Partitions: 2, ReplicationFactor: 3,
				Configs: map[string]string{"retention.ms": "604800000", "unclean.leader.election.enable": "false"}}}},
		{name: "defaults left to the broker", yaml: "topics: [{name: b}]", want: []topicSpec{{Name: "b"}}},
		{name: "misspelt field", yaml: "topics: [{name: a, replicationfactor: 3}]", wantErr: "replicationfactor"},
		{name: "duplicate", yaml: "topics: [{name: a}, {name: a}]", wantErr: "topic a: declared more than once"},
		{name: "missing name", yaml: "topics: [{partitions: 3}]", wantErr: "topics[0]: name is required"},
		{name: "illegal name", yaml: "topics: [{name: 'a b'}]", wantErr: `topic "a b": illegal name`},
		{name: "negative partitions", yaml: "topics: [{name: a, partitions: -1}]", wantErr: "topic a: partitions must be at least 1"},
		{name: "empty file", yaml: "", wantErr: "empty"},
		{name: "no topics", yaml: "topics: []", wantErr: "no topics declared"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadTopicsFile(strings.NewReader(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.Name != w.Name || g.Partitions != w.Partitions || g.ReplicationFactor != w.ReplicationFactor || len(g.Configs) != len(w.Configs) {
					t.Fatalf("got %+v, want %+v", g, w)
				}
				for k, v := range w.Configs {
					if g.Configs[k] != v {
						t.Errorf("config %s = %q, want %q", k, g.Configs[k], v)
					}
				}
			}
		})
	}
}

func TestRepoTopicsFileIsValid(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(repoRoot(t), "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	specs, err := loadTopicsFile(f)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(specs, func(s topicSpec) bool { return s.Name == "vehicle-data" })
	if i < 0 || specs[i].Partitions != 3 || specs[i].ReplicationFactor != 3 {
		t.Fatalf("topics.yaml must declare vehicle-data with 3 partitions and replication factor 3 as the user guide does: %+v", specs)
	}
}

func TestTopicsListAndDescribe(t *testing.T) {
	t.Parallel()
	bootstrap := newCluster(t, kfake.SeedTopics(2, "vehicle-data", "__connect-status", "alpha"))

	code, out, errOut := cli(t, "topics", "list", "--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	if got, want := lines(out), []string{"alpha", "vehicle-data"}; !slices.Equal(got, want) {
		t.Errorf("list printed %q, want %q", got, want)
	}
	_, out, _ = cli(t, "topics", "list", "--all", "--bootstrap-server", bootstrap)
	if got, want := lines(out), []string{"__connect-status", "alpha", "vehicle-data"}; !slices.Equal(got, want) {
		t.Errorf("list --all printed %q, want %q", got, want)
	}

	code, out, errOut = cli(t, "topics", "describe", "vehicle-data", "--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("describe: exit %d: %s", code, errOut)
	}
	got := lines(out)
	if len(got) != 3 {
		t.Fatalf("describe printed %d lines, want a summary and 2 partitions:\n%s", len(got), out)
	}
	for _, w := range []string{"Topic: vehicle-data\tTopicId: ", "\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: "} {
		if !strings.Contains(got[0], w) {
			t.Errorf("summary %q lacks %q", got[0], w)
		}
	}
	for i, l := range got[1:] {
		f := strings.Split(l, "\t")
		// "", "Topic: vehicle-data", "Partition: i", "Leader: n", "Replicas: a,b,c", "Isr: a,b,c"
		if len(f) != 6 || f[0] != "" || f[1] != "Topic: vehicle-data" || f[2] != "Partition: "+string(rune('0'+i)) ||
			!strings.HasPrefix(f[3], "Leader: ") || len(strings.Split(strings.TrimPrefix(f[4], "Replicas: "), ",")) != 3 ||
			!strings.HasPrefix(f[5], "Isr: ") {
			t.Errorf("partition line %q is not kafka-topics shaped", l)
		}
	}

	// No topic named: every non-internal topic, in name order.
	_, out, _ = cli(t, "topics", "describe", "--bootstrap-server", bootstrap)
	var topics []string
	for _, l := range lines(out) {
		if strings.HasPrefix(l, "Topic: ") {
			topics = append(topics, strings.SplitN(strings.TrimPrefix(l, "Topic: "), "\t", 2)[0])
		}
	}
	if want := []string{"alpha", "vehicle-data"}; !slices.Equal(topics, want) {
		t.Errorf("describe without topics described %q, want %q", topics, want)
	}

	code, _, errOut = cli(t, "topics", "describe", "missing", "--bootstrap-server", bootstrap)
	if code == 0 || !strings.Contains(errOut, "missing") {
		t.Errorf("describe of a missing topic: exit %d, stderr %q; want a failure naming it", code, errOut)
	}
}

// produce writes records to explicit partitions and returns nothing until Kafka acknowledged them.
func produce(t *testing.T, bootstrap string, msgs ...*sarama.ProducerMessage) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer(strings.Split(bootstrap, ","), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SendMessages(msgs); err != nil {
		t.Fatal(err)
	}
}

func TestConsumeAndOffsets(t *testing.T) {
	t.Parallel()
	bootstrap := newCluster(t, kfake.SeedTopics(3, "vehicle-data"))
	produce(t, bootstrap,
		&sarama.ProducerMessage{Topic: "vehicle-data", Partition: 0, Key: sarama.StringEncoder("car-1"), Value: sarama.StringEncoder(`{"speed":1}`),
			Headers: []sarama.RecordHeader{{Key: []byte("mqtt.topic"), Value: []byte("/mqtt/test/vehicle/1")}}},
		&sarama.ProducerMessage{Topic: "vehicle-data", Partition: 0, Key: sarama.StringEncoder("car-1"), Value: sarama.StringEncoder(`{"speed":2}`)},
		&sarama.ProducerMessage{Topic: "vehicle-data", Partition: 2, Value: sarama.StringEncoder(`{"speed":3}`)},
	)

	code, out, errOut := cli(t, "consume", "vehicle-data", "--from-beginning", "--print-partition", "--print-key",
		"--print-headers", "-n", "3", "--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("consume: exit %d: %s", code, errOut)
	}
	got := lines(out)
	slices.Sort(got) // partitions interleave in any order; within one partition order is kept (checked below)
	want := []string{
		"Partition:0\tNO_HEADERS\tcar-1\t{\"speed\":2}",
		"Partition:0\tmqtt.topic:/mqtt/test/vehicle/1\tcar-1\t{\"speed\":1}",
		"Partition:2\tNO_HEADERS\tnull\t{\"speed\":3}",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("consume printed\n%q\nwant\n%q", got, want)
	}
	if i1, i2 := strings.Index(out, `{"speed":1}`), strings.Index(out, `{"speed":2}`); i1 > i2 {
		t.Errorf("records of partition 0 printed out of order:\n%s", out)
	}
	if !strings.Contains(errOut, "processed a total of 3 messages") {
		t.Errorf("stderr %q lacks the record count", errOut)
	}

	// Plain values only, and the idle timeout ends a consumer that has read everything.
	code, out, errOut = cli(t, "consume", "vehicle-data", "--from-beginning", "--timeout", "3s", "--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("consume --timeout: exit %d: %s", code, errOut)
	}
	got = lines(out)
	slices.Sort(got)
	if want := []string{`{"speed":1}`, `{"speed":2}`, `{"speed":3}`}; !slices.Equal(got, want) {
		t.Errorf("consume --timeout printed %q, want %q", got, want)
	}

	code, out, errOut = cli(t, "offsets", "vehicle-data", "--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("offsets: exit %d: %s", code, errOut)
	}
	if got, want := lines(out), []string{"vehicle-data:0:2", "vehicle-data:1:0", "vehicle-data:2:1"}; !slices.Equal(got, want) {
		t.Errorf("offsets printed %q, want %q", got, want)
	}
	_, out, _ = cli(t, "offsets", "vehicle-data", "--time", "earliest", "--bootstrap-server", bootstrap)
	if got, want := lines(out), []string{"vehicle-data:0:0", "vehicle-data:1:0", "vehicle-data:2:0"}; !slices.Equal(got, want) {
		t.Errorf("offsets --time earliest printed %q, want %q", got, want)
	}
}

func TestConsumeStopsOnCancel(t *testing.T) {
	t.Parallel()
	bootstrap := newCluster(t, kfake.SeedTopics(1, "quiet"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stdout bytes.Buffer
	go func() {
		done <- runConsume(ctx, []string{"quiet", "--bootstrap-server", bootstrap}, &stdout, io.Discard)
	}()
	cancel() // Ctrl-C: whether it lands before or after the partitions are opened, the command ends cleanly
	if err := <-done; err != nil {
		t.Fatalf("consume after cancel: %v", err)
	}
}

func TestKafkaCommandsUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"topics"}, "usage: connectd topics"},
		{[]string{"topics", "drop"}, `unknown topics subcommand "drop"`},
		{[]string{"topics", "apply"}, "usage: connectd topics apply FILE"},
		{[]string{"topics", "apply", filepath.Join(t.TempDir(), "none.yaml")}, "none.yaml"},
		{[]string{"consume"}, "usage: connectd consume TOPIC"},
		{[]string{"consume", "t", "-n", "-1"}, "must not be negative"},
		{[]string{"offsets", "--time", "yesterday"}, `--time "yesterday"`},
		{[]string{"topics", "list", "--command-config", filepath.Join(t.TempDir(), "client.properties")}, "--command-config"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := cli(t, tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitUsage, tc.want)
			}
		})
	}
	if code, out, _ := cli(t, "topics", "apply", "-h"); code != 0 || out != "" {
		t.Errorf("topics apply -h: exit %d, stdout %q; want 0 and the usage on stderr", code, out)
	}
}

func TestParseInterleaved(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 0, "")
	b := fs.Bool("from-beginning", false, "")
	pos, err := parseInterleaved(fs, []string{"a", "--from-beginning", "b", "-n", "3", "--", "-c"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pos, []string{"a", "b", "-c"}) || *n != 3 || !*b {
		t.Fatalf("positional %q, n %d, from-beginning %v", pos, *n, *b)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(int(status.Load()))
		io.WriteString(w, `{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}`)
	}))
	defer srv.Close()

	code, out, errOut := cli(t, "health", "--url", srv.URL+"/health")
	if code != 0 || !strings.Contains(out, `"healthy"`) {
		t.Fatalf("health against a 200: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	status.Store(http.StatusServiceUnavailable)
	code, _, errOut = cli(t, "health", "--url", srv.URL+"/health")
	if code != 1 || !strings.Contains(errOut, "503") {
		t.Fatalf("health against a 503: exit %d, stderr %q; want 1 naming the status", code, errOut)
	}
	srv.Close()
	if code, _, _ := cli(t, "health", "--url", srv.URL+"/health"); code != 1 {
		t.Fatalf("health against a closed port: exit %d, want 1", code)
	}
}

func TestProduce(t *testing.T) {
	t.Parallel()
	bootstrap := newCluster(t, kfake.SeedTopics(1, "commands"))
	var stderr bytes.Buffer
	// README.md's line: the key ends at the first separator, the JSON's own colons stay in the value.
	in := strings.NewReader("car1:{\"cmd\":\"unlock\"}\ncar2:{\"cmd\":\"lock\"}\n")
	err := runProduce(context.Background(), []string{"commands", "--key-separator", ":", "--header", "kind=doors",
		"--bootstrap-server", bootstrap}, in, &stderr)
	if err != nil {
		t.Fatalf("produce: %v (%s)", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Produced 2 messages") {
		t.Errorf("stderr %q lacks the count", stderr.String())
	}
	code, out, errOut := cli(t, "consume", "commands", "--from-beginning", "--print-key", "--print-headers", "-n", "2",
		"--bootstrap-server", bootstrap)
	if code != 0 {
		t.Fatalf("consume: exit %d: %s", code, errOut)
	}
	want := []string{"kind:doors\tcar1\t{\"cmd\":\"unlock\"}", "kind:doors\tcar2\t{\"cmd\":\"lock\"}"}
	if got := lines(out); !slices.Equal(got, want) {
		t.Errorf("consume printed %q, want %q", got, want)
	}
	err = runProduce(context.Background(), []string{"commands", "--key-separator", "|", "--bootstrap-server", bootstrap},
		strings.NewReader("no separator\n"), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no key separator") {
		t.Errorf("a line without the separator gave %v", err)
	}
}

// TestProduceKeyedPartitionsAsJava: connectd produce puts a keyed record on the partition the Java producer
// (murmur2) picks, not sarama's FNV one.
func TestProduceKeyedPartitionsAsJava(t *testing.T) {
	t.Parallel()
	const parts = 16
	bootstrap := newCluster(t, kfake.SeedTopics(parts, "keyed"))
	keys := []string{"car1", "car2", "car3", "vehicle-42"}
	var in strings.Builder
	for _, k := range keys {
		in.WriteString(k + ":x\n")
	}
	if err := runProduce(context.Background(), []string{"keyed", "--key-separator", ":", "--bootstrap-server", bootstrap},
		strings.NewReader(in.String()), io.Discard); err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	java := kafkalog.NewMurmur2Partitioner("keyed")
	fnv := sarama.NewHashPartitioner("keyed")
	differs := false
	for _, k := range keys {
		msg := &sarama.ProducerMessage{Topic: "keyed", Key: sarama.StringEncoder(k)}
		p, err := java.Partition(msg, parts)
		if err != nil {
			t.Fatal(err)
		}
		if f, _ := fnv.Partition(msg, parts); f != p {
			differs = true
		}
		want[p]++
	}
	if !differs {
		t.Fatal("the keys land alike under both hashes: the test proves nothing")
	}
	client, err := sarama.NewClient(strings.Split(bootstrap, ","), sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	for p := int32(0); p < parts; p++ {
		n, err := client.GetOffset("keyed", p, sarama.OffsetNewest)
		if err != nil {
			t.Fatal(err)
		}
		if n != want[p] {
			t.Errorf("partition %d has %d records, want %d", p, n, want[p])
		}
	}
}
