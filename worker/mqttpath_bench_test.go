package worker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
	"github.com/connectd/connectd/connector/mqtt"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/worker/errorhandling"
)

// mqttPathAllocBudget is what one QoS 0 MQTT message may cost in heap allocations on its way to a producer
// message and back to its commit (BenchmarkMQTTSourcePath). It measured 26 (2026-12): paho's reading and
// dispatch take 13 (not ours to cut); the connector's message, unit, record, boxed topic and value, the
// producer message (with the record's headers and in-flight entry), the key's bytes and the headers' values
// the rest. A change that adds allocations to the path fails the benchmark.
const mqttPathAllocBudget = 28

// BenchmarkMQTTSourcePath is the whole per-message path of the MQTT source without Kafka: QoS 0 messages of 1 KB
// JSON from a broker socket, read by paho through the connector's connection, turned into records by the
// connector's Poll, converted as the user's connector config says (StringConverter keys, schemaless
// JsonConverter values, the two Camel headers), handed to the producer, acknowledged, committed in order and
// committed back to the task. The broker writes the same pre-encoded packets over and over, and the producer
// answers at once, so what is measured (and counted as allocs/record) is paho's client, the connector and the
// worker.
func BenchmarkMQTTSourcePath(b *testing.B) {
	broker := newStreamBroker(b, mqttPathPayload(1024))
	task := &mqtt.SourceTask{}
	err := task.Start(context.Background(), benchTaskContext{}, map[string]string{
		"name": "bench", "topics": "vehicles", "tasks.max": "1",
		"camel.kamelet.mqtt-source.brokerUrl": broker.url(), "camel.kamelet.mqtt-source.topic": "dev/#",
		"camel.kamelet.mqtt-source.qos": "0", "mqtt.connections.per.task": "1",
		"camel.source.maxBatchPollSize": "1000", "camel.source.maxNotCommittedRecords": "1024",
		"camel.source.pollingConsumerQueueSize": "1000",
	})
	if err != nil {
		b.Fatal(err)
	}
	defer task.Stop(context.Background())
	<-broker.subscribed

	w := newRuntimeTestWorker(b)
	tr := w.newTaskRunner(connector.TaskID{Connector: "bench", Task: 0}, nil, &storage.Connector{Name: "bench"})
	key, value := convert.NewString(), convert.NewJSON()
	if err := key.Configure(nil, true); err != nil {
		b.Fatal(err)
	}
	if err := value.Configure(map[string]string{convert.KeySchemasEnable: "false"}, false); err != nil {
		b.Fatal(err)
	}
	prod := newFakeProducer()
	s := newSourceSubmitter(tr, prod, testPipeline(&taskConverters{key: key, value: value, header: convert.NewSimpleHeader()},
		errorhandling.Config{}))
	s.committer = task
	s.topicsReady["vehicles"] = true // no topic creation: there is no Kafka
	acks := make(chan struct{})
	go func() { defer close(acks); s.handleAcks() }()
	// The producer: every record is in Kafka as soon as it is sent.
	first := make(chan *sarama.ProducerMessage, 1)
	go func() {
		var offset int64
		for msg := range prod.input {
			if offset == 0 {
				first <- msg
			}
			prod.ack(msg, offset)
			offset++
		}
	}()
	defer func() {
		close(prod.input)
		prod.AsyncClose()
		<-acks
	}()

	ctx := b.Context()
	b.SetBytes(1024)
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	broker.send <- b.N
	for sent := 0; sent < b.N; {
		recs, err := task.Poll(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, rec := range recs {
			if err := s.send(ctx, rec); err != nil {
				b.Fatal(err)
			}
		}
		sent += len(recs)
	}
	s.awaitAcked(ctx, time.Now().Add(time.Minute))
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if got := s.acked.Load(); got != int64(b.N) {
		b.Fatalf("%d of %d records acknowledged", got, b.N)
	}
	checkMQTTPathMessage(b, <-first, broker.payload)
	perRecord := float64(after.Mallocs-before.Mallocs) / float64(b.N)
	b.ReportMetric(perRecord, "allocs/record")
	if b.N >= 1000 && perRecord > mqttPathAllocBudget {
		b.Fatalf("a record costs %.1f allocations, over the budget of %d", perRecord, mqttPathAllocBudget)
	}
}

// checkMQTTPathMessage checks a producer message of BenchmarkMQTTSourcePath: the payload as the value, the
// MQTT topic as the key, and the two Camel headers.
func checkMQTTPathMessage(b *testing.B, msg *sarama.ProducerMessage, payload []byte) {
	b.Helper()
	encoded := func(e sarama.Encoder) string {
		if e == nil {
			return "<nil>"
		}
		v, err := e.Encode()
		if err != nil {
			b.Fatal(err)
		}
		return string(v)
	}
	var headers []string
	for _, h := range msg.Headers {
		headers = append(headers, string(h.Key)+"="+string(h.Value))
	}
	if got := encoded(msg.Value); got != string(payload) {
		b.Fatalf("value %.40q…, want the payload %.40q…", got, payload)
	}
	if got, want := encoded(msg.Key)+" "+strings.Join(headers, ","),
		streamTopic+" CamelHeader.CamelMqttTopic="+streamTopic+",CamelHeader.CamelMqttQoS=0"; got != want {
		b.Fatalf("key and headers %q, want %q", got, want)
	}
}

// mqttPathPayload is a JSON document of exactly size bytes, shaped like the load harness's payloads.
func mqttPathPayload(size int) []byte {
	doc := fmt.Sprintf(`{"ts":%d,"seq":1,"pad":""}`, time.Now().UnixNano())
	return []byte(strings.Replace(doc, `""`, `"`+strings.Repeat("x", size-len(doc))+`"`, 1))
}

// streamTopic is the MQTT topic of streamBroker's messages.
const streamTopic = "dev/a"

// streamBroker is the smallest MQTT broker a benchmark needs: it accepts one client, grants its subscription,
// and on each send writes that many QoS 0 PUBLISH packets of one payload, all the same bytes, encoded once.
// It reads and ignores whatever else the client sends.
type streamBroker struct {
	ln         net.Listener
	payload    []byte
	send       chan int
	subscribed chan struct{} // closed once the SUBACK is written
}

func newStreamBroker(b *testing.B, payload []byte) *streamBroker {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sb := &streamBroker{ln: ln, payload: payload, send: make(chan int), subscribed: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		if err := sb.serve(conn); err != nil && !strings.Contains(err.Error(), "closed") {
			b.Error(err)
		}
	}()
	b.Cleanup(func() {
		ln.Close()
		close(sb.send)
		<-done
	})
	return sb
}

func (sb *streamBroker) url() string { return "tcp://" + sb.ln.Addr().String() }

func (sb *streamBroker) serve(conn net.Conn) error {
	if _, err := packets.ReadPacket(conn); err != nil { // CONNECT
		return err
	}
	if err := packets.NewControlPacket(packets.Connack).Write(conn); err != nil {
		return err
	}
	cp, err := packets.ReadPacket(conn)
	if err != nil {
		return err
	}
	sub, ok := cp.(*packets.SubscribePacket)
	if !ok {
		return fmt.Errorf("want SUBSCRIBE, got %T", cp)
	}
	ack := packets.NewControlPacket(packets.Suback).(*packets.SubackPacket)
	ack.MessageID, ack.ReturnCodes = sub.MessageID, make([]byte, len(sub.Topics))
	if err := ack.Write(conn); err != nil {
		return err
	}
	close(sb.subscribed)
	go func() { _, _ = io.Copy(io.Discard, conn) }() // PINGREQ, DISCONNECT

	pub := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	pub.TopicName, pub.Payload = streamTopic, sb.payload
	var one bytes.Buffer
	if err := pub.Write(&one); err != nil {
		return err
	}
	const perChunk = 32
	chunk := bytes.Repeat(one.Bytes(), perChunk)
	for n := range sb.send {
		for ; n >= perChunk; n -= perChunk {
			if _, err := conn.Write(chunk); err != nil {
				return err
			}
		}
		if _, err := conn.Write(chunk[:n*one.Len()]); err != nil {
			return err
		}
	}
	return nil
}

// benchTaskContext is the smallest connector.SourceTaskContext: no offsets, a discarding logger.
type benchTaskContext struct{}

func (benchTaskContext) Offsets() connector.OffsetReader { return nil }
func (benchTaskContext) Logger() *slog.Logger            { return slog.New(slog.DiscardHandler) }
