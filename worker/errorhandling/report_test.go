package errorhandling

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/IBM/sarama/mocks"

	"github.com/connectd/connectd/connector"
)

var task = connector.TaskID{Connector: "mqtt-sink", Task: 0}

// logLines returns a logger writing JSON lines into buf.
func logLines(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestLogReporterLines(t *testing.T) {
	consumed := &sarama.ConsumerMessage{Topic: "in", Partition: 0, Offset: 42, Key: []byte("secret-key"),
		Value: []byte("secret-value"), Timestamp: time.UnixMilli(1730462400000)}
	partition := int32(3)
	source := &connector.SourceRecord{SourcePartition: map[string]any{"file": "a"}, SourceOffset: map[string]any{"pos": int64(7)},
		Topic: "out", Partition: &partition, KeySchema: &connector.Schema{Type: connector.TypeString}, Key: "k",
		ValueSchema: &connector.Schema{Type: connector.TypeInt32, Name: "n"}, Value: int32(5)}
	bad := connector.NewDataError("bad data")
	for _, tc := range []struct {
		name     string
		include  bool
		ctx      Context
		want     string
		notWants []string
	}{
		{"sink", false, Context{Consumed: consumed, stage: StageValueConverter, class: "org.apache.kafka.connect.json.JsonConverter", err: bad},
			"Error encountered in task mqtt-sink-0. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter'.",
			[]string{"secret", "topic="}},
		{"sink with messages", true, Context{Consumed: consumed, stage: StageValueConverter, class: "org.apache.kafka.connect.json.JsonConverter", err: bad},
			"Error encountered in task mqtt-sink-0. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter', " +
				"where consumed record is {topic='in', partition=0, offset=42, timestamp=1730462400000, timestampType=CreateTime}.",
			[]string{"secret"}},
		{"no class", false, Context{Consumed: consumed, stage: StageTaskPut, err: bad},
			"Error encountered in task mqtt-sink-0. Executing stage 'TASK_PUT' with class 'null'.", nil},
		{"source with messages", true, Context{Source: source, stage: StageTransformation, class: "T", err: bad},
			"Error encountered in task mqtt-sink-0. Executing stage 'TRANSFORMATION' with class 'T', where source record is = " +
				"SourceRecord{sourcePartition={file=a}, sourceOffset={pos=7}} ConnectRecord{topic='out', kafkaPartition=3, key=k, " +
				"keySchema=Schema{STRING}, value=5, valueSchema=Schema{n:INT32}, timestamp=null, headers=ConnectHeaders(headers=)}.",
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			m := &Metrics{}
			r := NewLogReporter(logLines(&buf), task, tc.include, m)
			if done := r.Report(&tc.ctx); done != nil {
				t.Fatal("the log reporter has nothing under way")
			}
			var line struct {
				Level, Msg, Err string
			}
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("log line %q: %v", buf.String(), err)
			}
			if line.Level != "ERROR" || line.Msg != tc.want || line.Err != "bad data" {
				t.Fatalf("logged %s %q (err %q)\nwant ERROR %q (err \"bad data\")", line.Level, line.Msg, line.Err, tc.want)
			}
			for _, nw := range tc.notWants {
				if strings.Contains(line.Msg, nw) {
					t.Fatalf("message %q names %q", line.Msg, nw)
				}
			}
			if m.Snapshot().TotalErrorsLogged != 1 {
				t.Fatal("total-errors-logged not counted")
			}
		})
	}
}

func TestStacktrace(t *testing.T) {
	cause := &json.SyntaxError{}
	data := &connector.DataError{Message: "Converting byte[] to Kafka Connect data failed due to serialization error: ", Err: cause}
	if got, want := ExceptionMessage(data), "Converting byte[] to Kafka Connect data failed due to serialization error: "; got != want {
		t.Fatalf("message %q, want Java's getMessage %q", got, want)
	}
	if got := ExceptionClass(fmt.Errorf("wrapped: %w", data)); got != DefaultExceptionClass {
		t.Fatalf("class of a Go error %q, want %q", got, DefaultExceptionClass)
	}
	herr := fmt.Errorf("put: %w", toleranceExceeded(data))
	want := "org.apache.kafka.connect.errors.ConnectException: put: Tolerance exceeded in error handler: " + data.Error() + "\n" +
		"Caused by: org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n" +
		"Caused by: org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed due to serialization error: \n" +
		"Caused by: *json.SyntaxError: " + cause.Error()
	if got := Stacktrace(herr); got != want {
		t.Fatalf("stack trace\n%s\nwant\n%s", got, want)
	}
	if !IsHandlerError(herr) || IsHandlerError(data) {
		t.Fatal("IsHandlerError")
	}
	retriable := connector.NewRetriableError(errors.New("busy"))
	if got := Stacktrace(retriable); got != "org.apache.kafka.connect.errors.RetriableException: busy\nCaused by: *errors.errorString: busy" {
		t.Fatalf("stack trace of a retriable error %q", got)
	}
}

// header returns the value of the last header named key and whether it is there.
func header(msg *sarama.ProducerMessage, key string) (string, bool) {
	v, ok := "", false
	for _, h := range msg.Headers {
		if string(h.Key) == key {
			v, ok = string(h.Value), true
		}
	}
	return v, ok
}

func TestDeadLetterQueueRecord(t *testing.T) {
	cfg := mocks.NewTestConfig()
	cfg.Producer.Return.Successes = true
	producer := mocks.NewAsyncProducer(t, cfg)
	ts := time.UnixMilli(1730462400000)
	consumed := &sarama.ConsumerMessage{Topic: "in", Partition: 2, Offset: 42, Key: []byte("k"), Value: []byte("{not json"),
		Timestamp: ts, Headers: []*sarama.RecordHeader{{Key: []byte("h"), Value: []byte("v")}}}
	bad := &connector.DataError{Message: "Converting byte[] to Kafka Connect data failed due to serialization error: ", Err: errors.New("eof")}
	var sent *sarama.ProducerMessage
	producer.ExpectInputWithMessageCheckerFunctionAndSucceed(func(msg *sarama.ProducerMessage) error {
		sent = msg
		return nil
	})
	producer.ExpectInputAndFail(sarama.ErrMessageSizeTooLarge)
	var logs bytes.Buffer
	m := &Metrics{}
	d := NewDeadLetterQueue(producer, Config{DLQTopic: "dlq", DLQContextHeaders: true}, task, m, logLines(&logs))
	done := d.Report(&Context{Consumed: consumed, stage: StageValueConverter, class: "org.apache.kafka.connect.json.JsonConverter", err: bad})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := done.Wait(ctx); err != nil {
		t.Fatalf("report: %v", err)
	}
	if sent.Topic != "dlq" || !sent.Timestamp.Equal(ts) {
		t.Fatalf("sent to %s at %v", sent.Topic, sent.Timestamp)
	}
	if k, _ := sent.Key.Encode(); string(k) != "k" {
		t.Fatalf("key %q", k)
	}
	if v, _ := sent.Value.Encode(); string(v) != "{not json" {
		t.Fatalf("value %q, want the consumed bytes", v)
	}
	wantHeaders := [][2]string{{"h", "v"},
		{HeaderTopic, "in"}, {HeaderPartition, "2"}, {HeaderOffset, "42"}, {HeaderConnectorName, "mqtt-sink"},
		{HeaderTaskID, "0"}, {HeaderStage, "VALUE_CONVERTER"}, {HeaderExecutingClass, "org.apache.kafka.connect.json.JsonConverter"},
		{HeaderExceptionClass, "org.apache.kafka.connect.errors.DataException"},
		{HeaderExceptionMessage, "Converting byte[] to Kafka Connect data failed due to serialization error: "},
		{HeaderExceptionStacktrace, "org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed due to serialization error: \nCaused by: *errors.errorString: eof"},
	}
	if len(sent.Headers) != len(wantHeaders) {
		t.Fatalf("%d headers, want %d: %v", len(sent.Headers), len(wantHeaders), sent.Headers)
	}
	for i, w := range wantHeaders {
		if h := sent.Headers[i]; string(h.Key) != w[0] || string(h.Value) != w[1] {
			t.Fatalf("header %d is %s=%q, want %s=%q", i, h.Key, h.Value, w[0], w[1])
		}
	}

	// A record Kafka refuses is logged and counted; the report fails.
	done = d.Report(&Context{Consumed: consumed, stage: StageTaskPut, class: ClassSinkTask, err: errors.New("x")})
	if err := done.Wait(ctx); !errors.Is(err, sarama.ErrMessageSizeTooLarge) {
		t.Fatalf("refused report: %v", err)
	}
	if !strings.Contains(logs.String(), "Could not produce message to dead letter queue. topic=dlq") {
		t.Fatalf("log %q", logs.String())
	}
	// A report without the consumed record is a failure and sends nothing.
	if done := d.Report(&Context{stage: StageTaskPut, err: errors.New("x")}); done != nil {
		t.Fatal("a report without a record is under way")
	}
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if done := d.Report(&Context{Consumed: consumed, stage: StageTaskPut, err: errors.New("x")}); done.Wait(ctx) == nil {
		t.Fatal("a report after Close succeeded")
	}
	s := m.Snapshot()
	if s.DeadLetterQueueProduceRequests != 4 || s.DeadLetterQueueProduceFailures != 2 {
		t.Fatalf("metrics %+v, want 4 requests and 2 failures", s)
	}
}

// TestDeadLetterQueueWithoutContextHeaders keeps the original headers only, and a message-less error gets a
// null exception message header when the context headers are on.
func TestDeadLetterQueueHeaders(t *testing.T) {
	for _, contextHeaders := range []bool{false, true} {
		cfg := mocks.NewTestConfig()
		cfg.Producer.Return.Successes = true
		producer := mocks.NewAsyncProducer(t, cfg)
		var sent *sarama.ProducerMessage
		producer.ExpectInputWithMessageCheckerFunctionAndSucceed(func(msg *sarama.ProducerMessage) error { sent = msg; return nil })
		d := NewDeadLetterQueue(producer, Config{DLQTopic: "dlq", DLQContextHeaders: contextHeaders}, task, &Metrics{}, logLines(&bytes.Buffer{}))
		consumed := &sarama.ConsumerMessage{Topic: "in", Value: []byte("v")}
		if err := d.Report(&Context{Consumed: consumed, stage: StageTaskPut, class: ClassSinkTask, err: errors.New("")}).Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		d.Close()
		if !contextHeaders {
			if len(sent.Headers) != 0 || sent.Key != nil || !sent.Timestamp.IsZero() {
				t.Fatalf("headers %v, key %v, timestamp %v; want none", sent.Headers, sent.Key, sent.Timestamp)
			}
			continue
		}
		if _, ok := header(sent, HeaderExceptionMessage); !ok {
			t.Fatal("no exception message header")
		}
		for _, h := range sent.Headers {
			if string(h.Key) == HeaderExceptionMessage && h.Value != nil {
				t.Fatalf("exception message %q, want null", h.Value)
			}
		}
		if v, _ := header(sent, HeaderExceptionClass); v != DefaultExceptionClass {
			t.Fatalf("exception class %q", v)
		}
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig(connector.Sink, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{RetryMaxDelay: time.Minute, DLQReplicationFactor: 3}
	if c != want || c.ErrantRecordReporterEnabled() {
		t.Fatalf("defaults %+v, want %+v", c, want)
	}
	c, err = ParseConfig(connector.Sink, map[string]string{
		"errors.retry.timeout": "-1", "errors.retry.delay.max.ms": "500", "errors.tolerance": "all",
		"errors.log.enable": "true", "errors.log.include.messages": "true",
		"errors.deadletterqueue.topic.name": "  dlq ", "errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable": "true"})
	if err != nil {
		t.Fatal(err)
	}
	want = Config{RetryTimeout: -time.Millisecond, RetryMaxDelay: 500 * time.Millisecond, Tolerance: ToleranceAll,
		LogEnable: true, LogIncludeMessages: true, DLQTopic: "dlq", DLQReplicationFactor: 1, DLQContextHeaders: true}
	if c != want || !c.ErrantRecordReporterEnabled() {
		t.Fatalf("parsed %+v, want %+v", c, want)
	}
	if c, _ := ParseConfig(connector.Source, map[string]string{"errors.deadletterqueue.topic.name": "dlq"}); c.DLQTopic != "" {
		t.Fatal("a source connector has no dead letter queue")
	}
	if _, err := ParseConfig(connector.Sink, map[string]string{"errors.tolerance": "some"}); err == nil {
		t.Fatal("errors.tolerance=some accepted")
	}
}
