package mqtt

import (
	"bytes"
	"io"
	"net"
	"net/url"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// TestOpenConnectionBuffersReads checks that a TCP connection reaches paho through a read buffer that hands
// every packet over whole and in order, however the broker's writes split them, and that writes reach the
// broker unchanged.
func TestOpenConnectionBuffersReads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	var wire bytes.Buffer
	var want []*packets.PublishPacket
	for i, payload := range [][]byte{bytes.Repeat([]byte("a"), 10), bytes.Repeat([]byte("b"), 3*readBufferSize), {}, []byte(`{"n":3}`)} {
		p := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
		p.TopicName, p.Qos, p.MessageID, p.Payload = "dev/t", 1, uint16(i+1), payload
		if err := p.Write(&wire); err != nil {
			t.Fatal(err)
		}
		want = append(want, p)
	}
	received := make(chan []byte, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		// Write in pieces that cut through packet headers and payloads.
		for b := wire.Bytes(); len(b) > 0; {
			n := min(len(b), 7+len(b)%5000)
			if _, err := conn.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
		}
		got := make([]byte, 5)
		_, _ = io.ReadFull(conn, got)
		received <- got
	}()

	u, err := url.Parse("tcp://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := openConnection(u, *paho.NewClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, ok := conn.(*bufferedConn); !ok {
		t.Fatalf("a tcp:// connection is a %T, want one read through a buffer", conn)
	}
	for i, w := range want {
		cp, err := packets.ReadPacket(conn)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		p, ok := cp.(*packets.PublishPacket)
		if !ok {
			t.Fatalf("packet %d is a %T", i, cp)
		}
		if p.MessageID != w.MessageID || p.TopicName != w.TopicName || !bytes.Equal(p.Payload, w.Payload) {
			t.Fatalf("packet %d: id %d topic %q %d bytes, want id %d topic %q %d bytes", i, p.MessageID, p.TopicName,
				len(p.Payload), w.MessageID, w.TopicName, len(w.Payload))
		}
	}
	if _, err := conn.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got := <-received; string(got) != "hello" {
		t.Fatalf("the broker read %q, want hello", got)
	}
}

// TestOpenConnectionUnknownScheme checks that a scheme paho does not dial is refused.
func TestOpenConnectionUnknownScheme(t *testing.T) {
	u, err := url.Parse("quic://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if conn, err := openConnection(u, *paho.NewClientOptions()); err == nil {
		conn.Close()
		t.Fatal("a quic:// broker was dialed")
	}
}
