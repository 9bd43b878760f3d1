package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/connector/convert"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/test/workertest"
	"github.com/connectd/connectd/worker/errorhandling"
)

// Test plugins for error handling and transformations: a converter that fails retriably, a sink that reports
// errant records, and transformations (the shipped ones are written elsewhere).
const (
	flakyConverterClass = "io.connectd.test.FlakyConverter"
	reportingSinkClass  = "io.connectd.test.ReportingSinkConnector"
	dropOddClass        = "io.connectd.test.DropOdd"
	routeClass          = "io.connectd.test.Route"
	stringConverter     = "org.apache.kafka.connect.storage.StringConverter"
)

// registerErrorTestPlugins adds the test plugins.
func registerErrorTestPlugins(r *connector.Registry) error {
	if err := r.RegisterConverter(connector.ConverterPlugin{Class: flakyConverterClass, Type: connector.PluginConverter,
		Version: "1.0.0", NewConverter: func() connector.Converter { return &flakyConverter{} }}); err != nil {
		return err
	}
	if err := r.Register(connector.Plugin{Class: reportingSinkClass, Type: connector.Sink, Version: "1.0.0",
		TaskClass: "io.connectd.test.ReportingSinkTask", Spec: connector.NewSpec(),
		NewConnector: func() connector.Connector { return &passConfig{} },
		NewSinkTask:  func() connector.SinkTask { return &reportingSink{} }}); err != nil {
		return err
	}
	if err := r.RegisterTransform(connector.TransformPlugin{Class: dropOddClass, Type: connector.PluginTransformation,
		Version: "1.0.0", NewTransformation: func(map[string]string) (connector.Transformation, error) { return dropOdd{}, nil }}); err != nil {
		return err
	}
	return r.RegisterTransform(connector.TransformPlugin{Class: routeClass, Type: connector.PluginTransformation,
		Version: "1.0.0", NewTransformation: func(cfg map[string]string) (connector.Transformation, error) {
			return route{to: cfg["topic"]}, nil
		}})
}

// flakyConverter reads values as strings. A value starting with "retry" fails retriably the first
// "fail.times" times it is read (every time with -1); one starting with "bad" fails with a DataException, and
// so does writing a value ending in "-3".
type flakyConverter struct {
	failTimes int
	mu        sync.Mutex
	seen      map[string]int
}

func (c *flakyConverter) Configure(config map[string]string, _ bool) error {
	c.failTimes, _ = strconv.Atoi(config["fail.times"])
	c.seen = map[string]int{}
	return nil
}

func (c *flakyConverter) FromConnectData(_ string, _ *connector.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	if v, _ := value.(string); strings.HasSuffix(v, "-3") {
		return nil, connector.NewDataError("cannot write " + v)
	}
	return fmt.Append(nil, value), nil
}

func (c *flakyConverter) ToConnectData(_ string, data []byte) (*connector.Schema, any, error) {
	v := string(data)
	switch {
	case strings.HasPrefix(v, "retry"):
		c.mu.Lock()
		c.seen[v]++
		n := c.seen[v]
		c.mu.Unlock()
		if c.failTimes < 0 || n <= c.failTimes {
			return nil, nil, connector.NewRetriableError(fmt.Errorf("store busy for %s (attempt %d)", v, n))
		}
	case strings.HasPrefix(v, "bad"):
		return nil, nil, connector.NewDataError("cannot read " + v)
	}
	return &connector.Schema{Type: connector.TypeString}, v, nil
}

// passConfig is a connector whose single task gets the connector's config.
type passConfig struct{ config map[string]string }

func (p *passConfig) Start(_ context.Context, _ connector.Context, config map[string]string) error {
	p.config = config
	return nil
}
func (p *passConfig) TaskConfigs(context.Context, int) ([]map[string]string, error) {
	return []map[string]string{p.config}, nil
}
func (p *passConfig) Stop(context.Context) error { return nil }

// sinkLog is what reporting sinks saw, by connector name.
type sinkLog struct {
	mu         sync.Mutex
	written    map[string][]string // value@topic (original topic/partition/offset)
	puts       map[string]int
	noReporter map[string]bool
}

var reported = &sinkLog{written: map[string][]string{}, puts: map[string]int{}, noReporter: map[string]bool{}}

// forget forgets what connector name's sinks saw in an earlier run of the test (go test -count).
func (l *sinkLog) forget(names ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range names {
		delete(l.written, name)
		delete(l.puts, name)
		delete(l.noReporter, name)
	}
}

func (l *sinkLog) values(name string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.written[name])
}

// reportingSink reports records whose value starts with "bad" to the errant record reporter and keeps the
// rest; with "test.put.retriable" it fails the first that many Puts retriably, asking for a 10-ms wait.
type reportingSink struct {
	name      string
	tc        connector.SinkTaskContext
	retriable int
}

func (s *reportingSink) Start(_ context.Context, tc connector.SinkTaskContext, config map[string]string) error {
	s.name, s.tc = config["name"], tc
	s.retriable, _ = strconv.Atoi(config["test.put.retriable"])
	reported.mu.Lock()
	reported.noReporter[s.name] = tc.ErrantRecordReporter() == nil
	reported.mu.Unlock()
	return nil
}

func (s *reportingSink) Put(_ context.Context, recs []*connector.SinkRecord) error {
	reported.mu.Lock()
	reported.puts[s.name]++
	puts := reported.puts[s.name]
	reported.mu.Unlock()
	if puts <= s.retriable {
		s.tc.Timeout(10 * time.Millisecond)
		return connector.NewRetriableError(errors.New("external system busy"))
	}
	var keep []string
	for _, r := range recs {
		v := fmt.Sprint(r.Value)
		if strings.HasPrefix(v, "bad") {
			if _, err := s.tc.ErrantRecordReporter().Report(r, fmt.Errorf("cannot write %s", v)); err != nil {
				return err
			}
			continue
		}
		keep = append(keep, fmt.Sprintf("%s@%s(%s/%d/%d)", v, r.Topic, r.OriginalTopic, r.OriginalPartition, r.OriginalOffset))
	}
	reported.mu.Lock()
	reported.written[s.name] = append(reported.written[s.name], keep...)
	reported.mu.Unlock()
	return nil
}

func (s *reportingSink) Flush(context.Context, map[connector.TopicPartition]int64) error { return nil }
func (s *reportingSink) Stop(context.Context) error                                      { return nil }

// dropOdd drops records whose string value ends in an odd digit and marks the others with a "!".
type dropOdd struct{}

func (dropOdd) Apply(rec *connector.Record) (*connector.Record, error) {
	v, _ := rec.Value.(string)
	if v == "" {
		return rec, nil
	}
	if d := v[len(v)-1]; d >= '0' && d <= '9' && (d-'0')%2 == 1 {
		return nil, nil
	}
	out := *rec
	out.Value = v + "!"
	return &out, nil
}

// route sends records to another topic, as RegexRouter would.
type route struct{ to string }

func (r route) Apply(rec *connector.Record) (*connector.Record, error) {
	out := *rec
	out.Topic = r.to
	return &out, nil
}

// writeConnectorConfig stores a connector config on the config topic as another worker would, bypassing this
// worker's REST validation: the way a config this worker cannot run (a transformation class it does not have)
// reaches it.
func writeConnectorConfig(t *testing.T, c *workertest.Cluster, name string, config map[string]string) {
	t.Helper()
	config = maps.Clone(config)
	config["name"] = name
	value, err := records.EncodeConnectorConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	p := syncProducer(t, c)
	defer p.Close()
	if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "connect-configs",
		Key: sarama.StringEncoder(records.ConnectorKey(name)), Value: sarama.ByteEncoder(value)}); err != nil {
		t.Fatal(err)
	}
}

// createConnector creates a connector through REST.
func createConnector(t *testing.T, c *workertest.Cluster, name string, config map[string]string) {
	t.Helper()
	status, body := c.Do(0, http.MethodPost, "/connectors", map[string]any{"name": name, "config": config})
	expect(t, "create "+name, status, body, 201, "")
}

// produceRaw writes values as they are, each with key "k<i>" and a header "origin: test", to partition 0.
func produceRaw(t *testing.T, c *workertest.Cluster, topic string, values ...string) {
	t.Helper()
	cfg := saramaConfig()
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer(c.Kafka.ListenAddrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i, v := range values {
		msg := &sarama.ProducerMessage{Topic: topic, Partition: 0, Key: sarama.StringEncoder("k" + strconv.Itoa(i)),
			Value: sarama.StringEncoder(v), Headers: []sarama.RecordHeader{{Key: []byte("origin"), Value: []byte("test")}}}
		if _, _, err := p.SendMessage(msg); err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
	}
}

// consumeTopic waits for n records on partition 0 of topic and returns them.
func consumeTopic(t *testing.T, c *workertest.Cluster, topic string, n int) []*sarama.ConsumerMessage {
	t.Helper()
	var out []*sarama.ConsumerMessage
	workertest.WaitFor(t, 60*time.Second, fmt.Sprintf("%d records in %s", n, topic), func() bool {
		consumer, err := sarama.NewConsumer(c.Kafka.ListenAddrs(), saramaConfig())
		if err != nil {
			return false
		}
		defer consumer.Close()
		pc, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
		if err != nil {
			return false // the topic may not exist yet
		}
		defer pc.Close()
		hw := pc.HighWaterMarkOffset()
		if hw < int64(n) {
			return false
		}
		out = out[:0]
		for len(out) < n {
			select {
			case m := <-pc.Messages():
				out = append(out, m)
			case <-time.After(10 * time.Second):
				return false
			}
		}
		return true
	})
	return out
}

// committedOffset is the consumer group's committed offset of partition 0 of topic (-1 without one).
func committedOffset(t *testing.T, c *workertest.Cluster, group, topic string) int64 {
	t.Helper()
	admin, err := sarama.NewClusterAdmin(c.Kafka.ListenAddrs(), saramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	resp, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0}})
	if err != nil {
		return -1
	}
	if b := resp.GetBlock(topic, 0); b != nil {
		return b.Offset
	}
	return -1
}

func headerMap(m *sarama.ConsumerMessage) map[string]string {
	out := map[string]string{}
	for _, h := range m.Headers {
		out[string(h.Key)] = string(h.Value)
	}
	return out
}

// taskTrace returns task 0's state and trace from GET /connectors/{name}/status.
func taskTrace(t *testing.T, c *workertest.Cluster, name string) (string, string) {
	t.Helper()
	status, body := c.Do(0, http.MethodGet, "/connectors/"+name+"/status", nil)
	if status != http.StatusOK {
		return "", ""
	}
	var st struct {
		Tasks []struct {
			State string `json:"state"`
			Trace string `json:"trace"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(body, &st); err != nil || len(st.Tasks) == 0 {
		return "", ""
	}
	return st.Tasks[0].State, st.Tasks[0].Trace
}

func waitTaskState(t *testing.T, c *workertest.Cluster, name string, state records.State) {
	t.Helper()
	c.WaitStore(0, fmt.Sprintf("task %s-0 %s", name, state), func(s *storage.Store) bool {
		st, ok := s.TaskStatus(connector.TaskID{Connector: name, Task: 0})
		return ok && st.State == state
	})
}

func errorMetrics(t *testing.T, c *workertest.Cluster, name string) errorhandling.MetricsSnapshot {
	t.Helper()
	m, ok := c.Node(0).Worker.TaskErrorMetrics(connector.TaskID{Connector: name, Task: 0})
	if !ok {
		t.Fatalf("no error metrics for task %s-0", name)
	}
	return m
}

// jsonError is the message and class JsonConverter (schemas.enable=true) fails with on data.
func jsonError(t *testing.T, data string) (msg, class string) {
	t.Helper()
	conv := convert.NewJSON()
	if err := conv.Configure(map[string]string{convert.KeySchemasEnable: "true"}, false); err != nil {
		t.Fatal(err)
	}
	_, _, err := conv.ToConnectData("in", []byte(data))
	if err == nil {
		t.Fatalf("JsonConverter read %q", data)
	}
	return errorhandling.ExceptionMessage(err), errorhandling.ExceptionClass(err)
}

// TestSinkDeadLetterQueue is the acceptance test: a FileStreamSink reading JSON with schemas, fed three
// malformed and two good records under errors.tolerance=all, writes the two good lines and puts the three
// others in its dead letter queue as they were consumed, with Kafka's error context headers; every offset is
// committed.
func TestSinkDeadLetterQueue(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t)
	createTopic(t, c, "in", 1)
	out := filepath.Join(t.TempDir(), "out.txt")
	createConnector(t, c, "dlq-sink", map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": "in",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
		"errors.tolerance": "all", "errors.log.enable": "true", "errors.log.include.messages": "true",
		"errors.deadletterqueue.topic.name": " dlq ", "errors.deadletterqueue.context.headers.enable": "true",
	})
	c.WaitRunning(0, "dlq-sink", 1)
	good := func(s string) string { return `{"schema":{"type":"string","optional":false},"payload":"` + s + `"}` }
	values := []string{"not json", good("first"), `{"a":1}`, `{"schema":{"type":"int32"},"payload":`, good("second")}
	produceRaw(t, c, "in", values...)

	workertest.WaitFor(t, 60*time.Second, "two lines in the sink file", func() bool { return countLines(out) >= 2 })
	dlq := consumeTopic(t, c, "dlq", 3)
	for i, orig := range []int{0, 2, 3} {
		m := dlq[i]
		if string(m.Value) != values[orig] || string(m.Key) != "k"+strconv.Itoa(orig) {
			t.Fatalf("dead letter %d is %q=%q, want the consumed %q=%q", i, m.Key, m.Value, "k"+strconv.Itoa(orig), values[orig])
		}
		msg, class := jsonError(t, values[orig])
		want := map[string]string{
			"origin":                             "test",
			errorhandling.HeaderTopic:            "in",
			errorhandling.HeaderPartition:        "0",
			errorhandling.HeaderOffset:           strconv.Itoa(orig),
			errorhandling.HeaderConnectorName:    "dlq-sink",
			errorhandling.HeaderTaskID:           "0",
			errorhandling.HeaderStage:            "VALUE_CONVERTER",
			errorhandling.HeaderExecutingClass:   "org.apache.kafka.connect.json.JsonConverter",
			errorhandling.HeaderExceptionClass:   "org.apache.kafka.connect.errors.DataException",
			errorhandling.HeaderExceptionMessage: msg,
		}
		got := headerMap(m)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("dead letter %d: header %s = %q, want %q", i, k, got[k], v)
			}
		}
		if class != "org.apache.kafka.connect.errors.DataException" ||
			!strings.HasPrefix(got[errorhandling.HeaderExceptionStacktrace], "org.apache.kafka.connect.errors.DataException: "+msg) {
			t.Errorf("dead letter %d: stack trace %q", i, got[errorhandling.HeaderExceptionStacktrace])
		}
		if len(m.Headers) != 11 {
			t.Errorf("dead letter %d has %d headers, want the original one and 10 context headers", i, len(m.Headers))
		}
	}
	admin, err := sarama.NewClusterAdmin(c.Kafka.ListenAddrs(), saramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if md, err := admin.DescribeTopics([]string{"dlq"}); err != nil || len(md) != 1 || len(md[0].Partitions) != 1 ||
		len(md[0].Partitions[0].Replicas) != 3 {
		t.Fatalf("dead letter queue topic %+v (%v), want one partition with errors.deadletterqueue.topic.replication.factor's default 3 replicas", md, err)
	}
	lines, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(lines) != "first\nsecond\n" {
		t.Fatalf("sink file %q, want the two good records", lines)
	}
	workertest.WaitFor(t, 60*time.Second, "all five offsets committed", func() bool {
		return committedOffset(t, c, "connect-dlq-sink", "in") == 5
	})
	m := errorMetrics(t, c, "dlq-sink")
	if m.TotalRecordFailures != 3 || m.TotalRecordErrors != 3 || m.TotalRecordsSkipped != 3 || m.TotalErrorsLogged != 3 ||
		m.DeadLetterQueueProduceRequests != 3 || m.DeadLetterQueueProduceFailures != 0 {
		t.Fatalf("error metrics %+v", m)
	}
	if state, _ := taskTrace(t, c, "dlq-sink"); state != "RUNNING" {
		t.Fatalf("task %s after tolerated failures", state)
	}
}

// TestSinkToleranceNoneFails: under errors.tolerance=none the first malformed record fails the task with a
// readable trace; it still reaches the dead letter queue (Kafka reports before it throws), and its offset is
// not committed.
func TestSinkToleranceNoneFails(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t)
	createTopic(t, c, "in", 1)
	out := filepath.Join(t.TempDir(), "out.txt")
	createConnector(t, c, "strict-sink", map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": "in",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
		"errors.deadletterqueue.topic.name": "strict-dlq", "errors.deadletterqueue.topic.replication.factor": "1",
	})
	c.WaitRunning(0, "strict-sink", 1)
	produceRaw(t, c, "in", `{"schema":{"type":"string"},"payload":"ok"}`, "not json", `{"schema":{"type":"string"},"payload":"after"}`)
	waitTaskState(t, c, "strict-sink", records.StateFailed)
	_, trace := taskTrace(t, c, "strict-sink")
	msg, _ := jsonError(t, "not json")
	if !strings.HasPrefix(trace, "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n"+
		"Caused by: org.apache.kafka.connect.errors.DataException: "+msg) {
		t.Fatalf("trace %q", trace)
	}
	dlq := consumeTopic(t, c, "strict-dlq", 1)
	if string(dlq[0].Value) != "not json" || len(dlq[0].Headers) != 1 {
		t.Fatalf("dead letter %q with headers %v, want the record as consumed, without context headers", dlq[0].Value, dlq[0].Headers)
	}
	if off := committedOffset(t, c, "connect-strict-sink", "in"); off > 1 {
		t.Fatalf("committed offset %d: the failed record was committed", off)
	}
	if lines, _ := os.ReadFile(out); strings.Contains(string(lines), "after") {
		t.Fatalf("a record after the failure was written: %q", lines)
	}
}

// TestSinkConverterRetries: a converter failing retriably is retried within errors.retry.timeout and the
// record then goes through; one that keeps failing past the timeout is skipped and reported (even under
// errors.tolerance=none, as Kafka 3.9 does), and the task goes on.
func TestSinkConverterRetries(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(registerErrorTestPlugins))
	createTopic(t, c, "in", 1)
	createTopic(t, c, "in2", 1)
	out := filepath.Join(t.TempDir(), "out.txt")
	createConnector(t, c, "retry-sink", map[string]string{
		"connector.class": "FileStreamSink", "file": out, "topics": "in",
		"value.converter": flakyConverterClass, "value.converter.fail.times": "2",
		"errors.retry.timeout": "30000", "errors.retry.delay.max.ms": "1000",
	})
	produceRaw(t, c, "in", "retry-a", "plain")
	workertest.WaitFor(t, 60*time.Second, "both records written", func() bool { return countLines(out) >= 2 })
	if lines, _ := os.ReadFile(out); string(lines) != "retry-a\nplain\n" {
		t.Fatalf("sink file %q", lines)
	}
	if m := errorMetrics(t, c, "retry-sink"); m.TotalRetries != 2 || m.TotalRecordFailures != 2 || m.TotalRecordErrors != 0 {
		t.Fatalf("error metrics %+v, want two retried failures", m)
	}

	out2 := filepath.Join(t.TempDir(), "out2.txt")
	createConnector(t, c, "timeout-sink", map[string]string{
		"connector.class": "FileStreamSink", "file": out2, "topics": "in2",
		"value.converter": flakyConverterClass, "value.converter.fail.times": "-1",
		"errors.retry.timeout": "400", "errors.retry.delay.max.ms": "100",
		"errors.deadletterqueue.topic.name": "timeout-dlq", "errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable": "true",
	})
	produceRaw(t, c, "in2", "retry-forever", "plain")
	workertest.WaitFor(t, 60*time.Second, "the plain record written", func() bool { return countLines(out2) >= 1 })
	dlq := consumeTopic(t, c, "timeout-dlq", 1)
	h := headerMap(dlq[0])
	if string(dlq[0].Value) != "retry-forever" || h[errorhandling.HeaderStage] != "VALUE_CONVERTER" ||
		h[errorhandling.HeaderExceptionClass] != "org.apache.kafka.connect.errors.RetriableException" ||
		h[errorhandling.HeaderExecutingClass] != flakyConverterClass {
		t.Fatalf("dead letter %q with headers %v", dlq[0].Value, h)
	}
	if lines, _ := os.ReadFile(out2); string(lines) != "plain\n" {
		t.Fatalf("sink file %q", lines)
	}
	m := errorMetrics(t, c, "timeout-sink")
	if m.TotalRetries < 2 || m.TotalRecordsSkipped != 1 || m.TotalRecordErrors != 1 {
		t.Fatalf("error metrics %+v, want retries, then one record skipped", m)
	}
	if state, _ := taskTrace(t, c, "timeout-sink"); state != "RUNNING" {
		t.Fatalf("task %s", state)
	}
	workertest.WaitFor(t, 60*time.Second, "both offsets committed", func() bool {
		return committedOffset(t, c, "connect-timeout-sink", "in2") == 2
	})
}

// TestErrantRecordReporter: a sink task reports records it cannot write (KIP-610); under errors.tolerance=all
// they go to the dead letter queue as consumed (stage TASK_PUT) and their offsets are committed; under none
// the report fails the task. A connector without dead letter queue or error log gets no reporter.
func TestErrantRecordReporter(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(registerErrorTestPlugins))
	reported.forget("errant", "errant-strict", "plain")
	for _, topic := range []string{"errant-in", "errant-strict-in", "plain-in"} {
		createTopic(t, c, topic, 1)
	}
	createConnector(t, c, "errant", map[string]string{
		"connector.class": reportingSinkClass, "topics": "errant-in", "errors.tolerance": "all", "value.converter": stringConverter,
		"errors.deadletterqueue.topic.name": "errant-dlq", "errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable": "true",
	})
	createConnector(t, c, "errant-strict", map[string]string{
		"connector.class": reportingSinkClass, "topics": "errant-strict-in", "errors.log.enable": "true", "value.converter": stringConverter,
	})
	createConnector(t, c, "plain", map[string]string{"connector.class": reportingSinkClass, "topics": "plain-in"})
	c.WaitRunning(0, "plain", 1)
	reported.mu.Lock()
	noReporter := reported.noReporter["plain"]
	reported.mu.Unlock()
	if !noReporter {
		t.Fatal("a connector without dead letter queue or error log got an errant record reporter")
	}

	produceRaw(t, c, "errant-in", "ok-1", "bad-1", "ok-2")
	dlq := consumeTopic(t, c, "errant-dlq", 1)
	h := headerMap(dlq[0])
	if string(dlq[0].Value) != "bad-1" || string(dlq[0].Key) != "k1" || h[errorhandling.HeaderStage] != "TASK_PUT" ||
		h[errorhandling.HeaderExecutingClass] != "org.apache.kafka.connect.sink.SinkTask" || h[errorhandling.HeaderOffset] != "1" ||
		h[errorhandling.HeaderExceptionMessage] != "cannot write bad-1" ||
		h[errorhandling.HeaderExceptionClass] != errorhandling.DefaultExceptionClass {
		t.Fatalf("dead letter %q with headers %v", dlq[0].Value, h)
	}
	workertest.WaitFor(t, 60*time.Second, "all three offsets committed", func() bool {
		return committedOffset(t, c, "connect-errant", "errant-in") == 3
	})
	if got := reported.values("errant"); !slices.Equal(got, []string{"ok-1@errant-in(errant-in/0/0)", "ok-2@errant-in(errant-in/0/2)"}) {
		t.Fatalf("written %v", got)
	}

	produceRaw(t, c, "errant-strict-in", "bad-1")
	waitTaskState(t, c, "errant-strict", records.StateFailed)
	if _, trace := taskTrace(t, c, "errant-strict"); !strings.Contains(trace, "Tolerance exceeded in error handler") ||
		!strings.Contains(trace, "cannot write bad-1") {
		t.Fatalf("trace %q", trace)
	}
}

// TestSinkRetriablePutRedelivers: a Put that fails with a RetriableError gets the same batch again, after the
// wait the task asked for, and nothing is lost or duplicated.
func TestSinkRetriablePutRedelivers(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(registerErrorTestPlugins))
	reported.forget("redeliver")
	createTopic(t, c, "redeliver-in", 1)
	createConnector(t, c, "redeliver", map[string]string{
		"connector.class": reportingSinkClass, "topics": "redeliver-in", "test.put.retriable": "3", "value.converter": stringConverter,
	})
	c.WaitRunning(0, "redeliver", 1)
	produceRaw(t, c, "redeliver-in", "a", "b")
	workertest.WaitFor(t, 60*time.Second, "both records written", func() bool { return len(reported.values("redeliver")) >= 2 })
	got := reported.values("redeliver")
	reported.mu.Lock()
	puts := reported.puts["redeliver"]
	reported.mu.Unlock()
	if len(got) != 2 || !strings.HasPrefix(got[0], "a@") || !strings.HasPrefix(got[1], "b@") || puts < 4 {
		t.Fatalf("written %v after %d puts, want a and b once after three retriable failures", got, puts)
	}
	if state, _ := taskTrace(t, c, "redeliver"); state != "RUNNING" {
		t.Fatalf("task %s", state)
	}
}

// TestSourceTransformationsCommitDroppedOffsets: a source connector's transformation chain drops and rewrites
// records before conversion; the records it drops still have their source offsets committed, in order.
func TestSourceTransformationsCommitDroppedOffsets(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(registerErrorTestPlugins, connectortest.Register),
		workertest.WorkerProps(map[string]string{"value.converter": "org.apache.kafka.connect.storage.StringConverter"}))
	createTopic(t, c, "counted", 1)
	createTopic(t, c, "evens", 1)
	createConnector(t, c, "smt-source", map[string]string{
		"connector.class": "io.connectd.test.CountingSourceConnector", "tasks.max": "1", "topic": "counted",
		"test.source.count": "10", "transforms": "drop, route",
		"transforms.drop.type": dropOddClass, "transforms.route.type": routeClass, "transforms.route.topic": "evens",
	})
	c.WaitRunning(0, "smt-source", 1)
	c.WaitStore(0, "the offset of the last (dropped) record committed", func(s *storage.Store) bool {
		off, ok := s.Offset("smt-source", map[string]any{"task": "0"})
		return ok && off["n"] == int64(9)
	})
	got := consumeTopic(t, c, "evens", 5)
	var values []string
	for _, m := range got {
		values = append(values, string(m.Value))
	}
	if !slices.Equal(values, []string{"0-0!", "0-2!", "0-4!", "0-6!", "0-8!"}) {
		t.Fatalf("records %v", values)
	}
}

// TestSinkTransformationsKeepOriginalOffsets: a sink connector's chain runs after conversion; a task sees the
// transformed topic with the original topic, partition and offset, and the consumed offsets are committed,
// those of dropped records included.
func TestSinkTransformationsKeepOriginalOffsets(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(registerErrorTestPlugins),
		workertest.WorkerProps(map[string]string{"value.converter": "org.apache.kafka.connect.storage.StringConverter"}))
	reported.forget("smt-sink")
	createTopic(t, c, "smt-in", 1)
	createConnector(t, c, "smt-sink", map[string]string{
		"connector.class": reportingSinkClass, "tasks.max": "1", "topics": "smt-in",
		"transforms": "drop,route", "transforms.drop.type": dropOddClass,
		"transforms.route.type": routeClass, "transforms.route.topic": "renamed",
	})
	c.WaitRunning(0, "smt-sink", 1)
	produceRaw(t, c, "smt-in", "v0", "v1", "v2", "v3")
	workertest.WaitFor(t, 60*time.Second, "all four offsets committed", func() bool {
		return committedOffset(t, c, "connect-smt-sink", "smt-in") == 4
	})
	if got := reported.values("smt-sink"); !slices.Equal(got, []string{"v0!@renamed(smt-in/0/0)", "v2!@renamed(smt-in/0/2)"}) {
		t.Fatalf("written %v", got)
	}
}

// TestUnbuildableChainFailsTask: a transformation chain that cannot be built fails the task with a readable
// trace naming the key at fault.
func TestUnbuildableChainFailsTask(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(registerErrorTestPlugins))
	writeConnectorConfig(t, c, "bad-chain", map[string]string{
		"connector.class": reportingSinkClass, "tasks.max": "1", "topics": "bad-chain-in",
		"transforms": "x", "transforms.x.type": "com.example.Nope",
	})
	waitTaskState(t, c, "bad-chain", records.StateFailed)
	if _, trace := taskTrace(t, c, "bad-chain"); !strings.Contains(trace, "transformation chain") ||
		!strings.Contains(trace, "transforms.x.type") || !strings.Contains(trace, "com.example.Nope") {
		t.Fatalf("trace %q", trace)
	}
}

// TestSourceConversionTolerance: under errors.tolerance=all a source record that fails conversion is logged,
// skipped and its offset committed; under none it fails the task with the error handler's trace.
func TestSourceConversionTolerance(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, workertest.Plugins(registerErrorTestPlugins, connectortest.Register))
	createTopic(t, c, "tolerant-out", 1)
	createConnector(t, c, "tolerant-source", map[string]string{
		"connector.class": connectortest.SourceClass, "topic": "tolerant-out", connectortest.KeyCount: "6",
		"value.converter": flakyConverterClass, "errors.tolerance": "all", "errors.log.enable": "true",
	})
	createConnector(t, c, "strict-source", map[string]string{
		"connector.class": connectortest.SourceClass, "topic": "strict-out", connectortest.KeyCount: "6",
		"value.converter": flakyConverterClass,
	})
	c.WaitStore(0, "the offset of the last record committed", func(s *storage.Store) bool {
		off, ok := s.Offset("tolerant-source", map[string]any{"task": "0"})
		return ok && off["n"] == int64(5)
	})
	var values []string
	for _, m := range consumeTopic(t, c, "tolerant-out", 5) {
		values = append(values, string(m.Value))
	}
	if !slices.Equal(values, []string{"0-0", "0-1", "0-2", "0-4", "0-5"}) {
		t.Fatalf("records %v", values)
	}
	if m := errorMetrics(t, c, "tolerant-source"); m.TotalRecordsSkipped != 1 || m.TotalErrorsLogged != 1 {
		t.Fatalf("error metrics %+v", m)
	}
	waitTaskState(t, c, "strict-source", records.StateFailed)
	if _, trace := taskTrace(t, c, "strict-source"); !strings.HasPrefix(trace,
		"org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n"+
			"Caused by: org.apache.kafka.connect.errors.DataException: cannot write 0-3") {
		t.Fatalf("trace %q", trace)
	}
}
