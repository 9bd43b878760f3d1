package mqtt

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/url"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

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
	for i, payload := range [][]byte{bytes.Repeat([]byte("a"), 10), bytes.Repeat([]byte("b"), 3*maxReadBuffer), {}, []byte(`{"n":3}`)} {
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

// scriptedConn is a connection whose reads return the next of its chunks (at most what the caller asked
// for, the rest kept for the next read) and then io.EOF.
type scriptedConn struct {
	net.Conn
	chunks [][]byte
}

func (c *scriptedConn) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	if c.chunks[0] = c.chunks[0][n:]; len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

// TestReadBufferAdapts: the buffer doubles while the connection has more than it holds, up to its maximum,
// falls back to its minimum after shrinkAfter reads that fill less than a quarter of it, and hands every byte
// over in order whatever its size.
func TestReadBufferAdapts(t *testing.T) {
	var chunks [][]byte
	var want []byte
	add := func(n int, b byte) {
		c := bytes.Repeat([]byte{b}, n)
		chunks, want = append(chunks, c), append(want, c...)
	}
	add(200_000, 'x') // a backlog: every read fills the buffer
	for range 3 * shrinkAfter {
		add(10, 'y') // then idle: small reads
	}
	sc := &scriptedConn{chunks: chunks}
	c := newBufferedConn(sc, true)
	var got []byte
	sizes := []int{len(c.buf)}
	p := make([]byte, 5) // paho reads a header a byte or a few at a time
	for {
		n, err := c.Read(p)
		got = append(got, p[:n]...)
		if sizes[len(sizes)-1] != len(c.buf) {
			sizes = append(sizes, len(c.buf))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not the %d written, in order", len(got), len(want))
	}
	wantSizes := []int{minReadBuffer, 2 * minReadBuffer, 4 * minReadBuffer, 8 * minReadBuffer, maxReadBuffer, minReadBuffer}
	if !slices.Equal(sizes, wantSizes) {
		t.Fatalf("buffer sizes %v, want %v", sizes, wantSizes)
	}
}

// errConn returns its data together with an error in one read, as a TLS connection does with a close_notify
// that follows the last record.
type errConn struct {
	net.Conn
	data []byte
	err  error
}

func (c *errConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, c.err
	}
	n := copy(p, c.data)
	c.data = c.data[n:]
	if len(c.data) == 0 {
		return n, c.err
	}
	return n, nil
}

// TestReadBufferKeepsTheErrorForLast: data read together with an error is handed over first, then the error
// once, and a read as large as the buffer goes to the connection directly.
func TestReadBufferKeepsTheErrorForLast(t *testing.T) {
	c := newBufferedConn(&errConn{data: []byte("last packet"), err: io.ErrUnexpectedEOF}, true)
	p := make([]byte, 4)
	var got []byte
	for {
		n, err := c.Read(p)
		got = append(got, p[:n]...)
		if err != nil {
			if !errors.Is(err, io.ErrUnexpectedEOF) || string(got) != "last packet" {
				t.Fatalf("read %q then %v; want all of %q, then the connection's error", got, err, "last packet")
			}
			break
		}
		if n == 0 {
			t.Fatal("a read returned nothing and no error")
		}
	}
	if n, err := c.Read(p); n != 0 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read after the error: %d, %v; want the connection's error again", n, err)
	}

	big := bytes.Repeat([]byte("z"), 3*minReadBuffer)
	d := newBufferedConn(&errConn{data: big, err: io.EOF}, true)
	q := make([]byte, len(big))
	if n, err := d.Read(q); n != len(big) || !errors.Is(err, io.EOF) || !bytes.Equal(q, big) {
		t.Fatalf("a read larger than the buffer: %d bytes, %v; want all %d bytes in one read", n, err, len(big))
	}
}

// recordingConn records each Write the writer goroutine makes, holding the first one until release is closed,
// and records Close after them.
type recordingConn struct {
	net.Conn
	entered chan struct{} // closed when the first Write begins
	release chan struct{}
	mu      sync.Mutex
	writes  [][]byte
	closed  bool
	late    int   // Writes after Close
	failed  error // returned by every Write when set
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	first := len(c.writes) == 0
	if c.closed {
		c.late++
	}
	c.writes = append(c.writes, slices.Clone(p))
	c.mu.Unlock()
	if first && c.entered != nil {
		close(c.entered)
		<-c.release
	}
	if c.failed != nil {
		return 0, c.failed
	}
	return len(p), nil
}

func (c *recordingConn) SetWriteDeadline(time.Time) error { return nil }

func (c *recordingConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// TestWritesGather: the packets written while a send is under way leave together in the next one, in order;
// Close sends what is pending before it closes the connection, and a Write after Close fails.
func TestWritesGather(t *testing.T) {
	rc := &recordingConn{entered: make(chan struct{}), release: make(chan struct{})}
	c := newBufferedConn(rc, true)
	var want []byte
	write := func(i int) {
		p := []byte{0x40, 0x02, 0, byte(i)} // a PUBACK
		if n, err := c.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		want = append(want, p...)
	}
	write(0)
	<-rc.entered // the writer is in its first send
	for i := 1; i < 100; i++ {
		write(i)
	}
	closed := make(chan error)
	go func() { closed <- c.Close() }()
	for !closing(c) { // Close is under way before the first send ends
		runtime.Gosched()
	}
	close(rc.release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.closed || rc.late > 0 {
		t.Fatalf("Close closed the connection: %v; sends after it: %d", rc.closed, rc.late)
	}
	if len(rc.writes) != 2 || !bytes.Equal(bytes.Join(rc.writes, nil), want) {
		t.Fatalf("%d sends of %d bytes in all; want 2 (the first packet, then the 99 written during it), %d bytes in order",
			len(rc.writes), len(bytes.Join(rc.writes, nil)), len(want))
	}
	if _, err := c.Write([]byte{0xc0, 0}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close = %v, want net.ErrClosed", err)
	}
}

// TestFailedSendFailsLaterWrites: once a send failed, every Write returns its error.
func TestFailedSendFailsLaterWrites(t *testing.T) {
	broken := errors.New("connection reset by peer")
	c := newBufferedConn(&recordingConn{failed: broken}, true)
	if _, err := c.Write([]byte{0x40, 0x02, 0, 1}); err != nil {
		t.Fatalf("the first Write = %v; it only queues", err)
	}
	c.waitWriter() // the writer returns after the failed send
	if _, err := c.Write([]byte{0x40, 0x02, 0, 2}); !errors.Is(err, broken) {
		t.Fatalf("Write after a failed send = %v, want %v", err, broken)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCloseGivesUpOnABrokerThatDoesNotRead: Close returns although the peer reads nothing and the writer is
// stuck in a send: it sets a write deadline before it waits.
func TestCloseGivesUpOnABrokerThatDoesNotRead(t *testing.T) {
	client, broker := net.Pipe() // unbuffered: a send waits for the peer's read
	defer broker.Close()
	c := newBufferedConn(client, true)
	if _, err := c.Write([]byte{0xe0, 0}); err != nil { // a DISCONNECT nobody reads
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.writing || c.werr == nil {
		t.Fatalf("Close returned with the writer running (%v) or without its send failing (%v)", c.writing, c.werr)
	}
}

func closing(c *bufferedConn) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.closing
}

// TestTimedWritesAreTheConnections: a connection with a write timeout (the sink's) does not gather: paho's
// deadline around each Write must bound the send itself, so Write returns once the connection has the bytes.
func TestTimedWritesAreTheConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, timeout := range []time.Duration{0, 5 * time.Second} {
		opts := paho.NewClientOptions()
		opts.SetWriteTimeout(timeout)
		conn, err := openConnection(&url.URL{Scheme: "tcp", Host: ln.Addr().String()}, *opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := conn.(*bufferedConn).gather; got != (timeout == 0) {
			t.Errorf("write timeout %v: gathers %v", timeout, got)
		}
		conn.Close()
	}
	rc := &recordingConn{}
	c := newBufferedConn(rc, false)
	if _, err := c.Write([]byte{0x30, 0}); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	sent := len(rc.writes)
	rc.mu.Unlock()
	if sent != 1 {
		t.Fatalf("a Write returned with %d sends done, want 1", sent)
	}
	if err := c.Close(); err != nil || !rc.closed {
		t.Fatalf("Close: %v, closed %v", err, rc.closed)
	}
}
