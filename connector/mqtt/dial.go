package mqtt

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/proxy"
)

// A connection's read buffer grows, from minReadBuffer up to maxReadBuffer, while reads fill it (the broker
// has a backlog for us: at 32 KB, a few dozen 1 KB messages per system call), and falls back to minReadBuffer
// after shrinkAfter reads in a row that fill less than a quarter of it (an idle connection reads a PINGRESP a
// keep-alive, so halving step by step would keep a burst's 32 KB for an hour; growing back takes four reads): a worker with a thousand tasks of four mostly idle connections each then has
// 8 MB of buffers on its heap rather than 128 MB. (Its RSS barely differs: the kernel backs only the pages a
// read touched, so an idle 32 KB buffer cost a page; but the heap is what GOGC and GOMEMLIMIT pace against.)
const (
	minReadBuffer = 2 << 10
	maxReadBuffer = 32 << 10
	// shrinkAfter is how many reads in a row filling less than a quarter of the buffer shrink it.
	shrinkAfter = 16
)

// Gathered writes (the source's connections): at most maxPendingWrite bytes wait (Write then waits for the
// socket), and Close gives what waits at most closeFlushTimeout to leave.
const (
	maxPendingWrite   = 64 << 10
	closeFlushTimeout = time.Second
	// maxSpareWrite bounds the write buffers an idle connection keeps (two: the one being filled and the
	// writer's last): the PUBACKs of an acknowledgement pass take a few KB; a burst's larger buffers go back
	// to the heap.
	maxSpareWrite = 4 << 10
)

// openConnection dials a broker as paho's own dialer does (the same schemes, the proxy of the environment,
// TLS, websockets), and gives paho the TCP and TLS connections through a read buffer and a gathering writer.
// paho reads every packet straight from the connection: a byte for the packet type, a byte at a time for its
// length, then the rest, three or four system calls per message, which were an eighth of a source task's CPU
// at full rate. Through the buffer one read takes in every message the broker has sent so far. paho is the
// only reader of a connection, and a packet it has not asked for stays in the buffer, where its next read
// finds it. paho also writes every packet with a system call of its own, and a source task's packets are
// nearly all 4-byte PUBACKs: one write per message was a fifth of a worker's CPU at QoS 1, so a connection
// without a write timeout (the source's) gathers its writes (see bufferedConn). The sink's publisher sets a
// write timeout, which paho applies around each Write as a deadline: its writes stay the connection's own.
func openConnection(uri *url.URL, opts paho.ClientOptions) (net.Conn, error) {
	return openConnectionContext(context.Background(), uri, opts)
}

// openConnectionContext is openConnection whose dial and TLS handshake end when ctx does (not a websocket's:
// paho's NewWebsocket takes no context).
func openConnectionContext(ctx context.Context, uri *url.URL, opts paho.ClientOptions) (net.Conn, error) {
	dialer := opts.Dialer
	if dialer == nil {
		dialer = &net.Dialer{Timeout: opts.ConnectTimeout}
	}
	switch strings.ToLower(uri.Scheme) {
	case "ws", "wss":
		// gorilla's websocket reads frames through a buffer of its own.
		u := *uri
		u.User = nil // gorilla refuses URLs with credentials
		var tlsc *tls.Config
		if u.Scheme == "wss" {
			tlsc = opts.TLSConfig
		}
		return paho.NewWebsocket(u.String(), tlsc, opts.ConnectTimeout, opts.HTTPHeaders, opts.WebsocketOptions)
	case "mqtt", "tcp":
		conn, err := dialProxied(ctx, dialer, uri.Host)
		if err != nil {
			return nil, err
		}
		return newBufferedConn(conn, opts.WriteTimeout == 0), nil
	case "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
		conn, err := dialTLS(ctx, dialer, uri.Host, opts.TLSConfig)
		if err != nil {
			return nil, err
		}
		return newBufferedConn(conn, opts.WriteTimeout == 0), nil
	}
	return nil, errors.New("unknown protocol")
}

// dialProxied dials host through the proxy of the environment (all_proxy, no_proxy), as paho does; ctx ends
// the dial, and a SOCKS proxy's own handshake when the proxy's dialer takes a context.
func dialProxied(ctx context.Context, dialer *net.Dialer, host string) (net.Conn, error) {
	d := proxy.FromEnvironmentUsing(dialer)
	if cd, ok := d.(proxy.ContextDialer); ok {
		return cd.DialContext(ctx, "tcp", host)
	}
	return d.Dial("tcp", host)
}

// dialTLS opens a TLS connection, through the proxy of all_proxy when it is set (as paho does). The dialer's
// timeout bounds the handshake too, and ctx ends either.
func dialTLS(ctx context.Context, dialer *net.Dialer, host string, cfg *tls.Config) (net.Conn, error) {
	if dialer.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, dialer.Timeout)
		defer cancel()
	}
	if os.Getenv("all_proxy") == "" {
		return (&tls.Dialer{NetDialer: dialer, Config: cfg}).DialContext(ctx, "tcp", host)
	}
	conn, err := dialProxied(ctx, dialer, host)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return tc, nil
}

// bufferedConn is a connection whose reads go through a buffer that adapts to the traffic (see
// minReadBuffer) and whose writes, when gather is set, are gathered; deadlines are the connection's. Like
// bufio.Reader it is for one reader. Gathering is for connections without a write deadline: a deadline paho
// sets around a Write would bound only the copy, not the send.
//
// Write copies the packet into a pending buffer and, unless one runs, starts a writer goroutine, which sends
// all that is pending with one system call: while it is in one, the PUBACKs of the next acknowledgement pass
// gather behind it, and an idle connection's packet leaves at once. The writer returns once nothing is
// pending, so an idle connection (most of a thousand tasks') has no goroutine for it. Write waits while
// maxPendingWrite bytes are pending (the broker is not reading). A send that fails fails every Write after
// it; paho's reader sees the broken connection as before. Close waits for the writer to send what is pending
// (for at most closeFlushTimeout), so that a DISCONNECT or the PUBACKs paho wrote last still reach the
// broker, then closes the connection.
type bufferedConn struct {
	net.Conn
	buf   []byte
	r, w  int   // buf[r:w] is read from the connection and not yet handed out
	err   error // the error of the read that filled buf, returned once buf is drained
	small int   // reads in a row that filled less than a quarter of buf

	gather    bool // writes are gathered; otherwise Write and Close are the connection's
	wmu       sync.Mutex
	wcond     sync.Cond // signalled when the writer takes what is pending, fails or returns, and by Close
	pending   []byte    // written and not yet taken by the writer
	spare     []byte    // the writer's last buffer, for the next gathering
	werr      error     // the send that failed
	writing   bool      // a writer goroutine runs
	closing   bool      // Close was called
	closeOnce sync.Once
	closeErr  error
}

func newBufferedConn(c net.Conn, gather bool) *bufferedConn {
	bc := &bufferedConn{Conn: c, buf: make([]byte, minReadBuffer), gather: gather}
	bc.wcond.L = &bc.wmu
	return bc
}

// Write queues p for the writer goroutine; it returns an earlier send's error, or net.ErrClosed after Close.
func (c *bufferedConn) Write(p []byte) (int, error) {
	if !c.gather {
		return c.Conn.Write(p)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for c.werr == nil && !c.closing && len(c.pending) >= maxPendingWrite {
		c.wcond.Wait()
	}
	switch {
	case c.werr != nil:
		return 0, c.werr
	case c.closing:
		return 0, net.ErrClosed
	}
	c.pending = append(c.pending, p...)
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
	return len(p), nil
}

// writeLoop sends what is pending, one system call for all of it, until nothing is pending or a send fails.
func (c *bufferedConn) writeLoop() {
	for {
		// Before each take, let the goroutine writing an acknowledgement pass write the rest of it: paho hands its
		// writes over one packet at a time, and without the yield a writer on the other core took them
		// nearly one by one (connectbench, QoS 1, one task: write system calls were 18.8 % of the worker's
		// CPU with a system call per packet, 13.1 % gathered without the yield, 3.4 % with it).
		runtime.Gosched()
		c.wmu.Lock()
		if len(c.pending) == 0 {
			c.writing = false
			c.wcond.Broadcast()
			c.wmu.Unlock()
			return
		}
		out := c.pending
		c.pending = c.spare[:0]
		c.spare = nil
		c.wcond.Broadcast()
		c.wmu.Unlock()

		_, err := c.Conn.Write(out)

		c.wmu.Lock()
		if cap(out) <= maxSpareWrite {
			c.spare = out[:0]
		}
		if err != nil {
			c.werr = err
			c.pending = nil
			c.writing = false
			c.wcond.Broadcast()
			c.wmu.Unlock()
			return
		}
		c.wmu.Unlock()
	}
}

// waitWriter waits until no writer goroutine runs.
func (c *bufferedConn) waitWriter() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for c.writing {
		c.wcond.Wait()
	}
}

// Close sends what is pending, for at most closeFlushTimeout, then closes the connection.
func (c *bufferedConn) Close() error {
	if !c.gather {
		return c.Conn.Close()
	}
	c.closeOnce.Do(func() {
		c.wmu.Lock()
		c.closing = true
		writing := c.writing
		c.wcond.Broadcast()
		c.wmu.Unlock()
		if writing {
			// A broker that does not read would hold the writer, and with it Close, for ever.
			_ = c.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
			c.waitWriter()
		}
		c.wmu.Lock()
		failed := c.werr != nil
		c.wmu.Unlock()
		if tc, ok := c.Conn.(*tls.Conn); ok && failed {
			// Its close_notify would wait 5 s more for a socket the broker does not drain.
			c.closeErr = tc.NetConn().Close()
			return
		}
		c.closeErr = c.Conn.Close()
	})
	return c.closeErr
}

func (c *bufferedConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.r == c.w {
		if c.err != nil {
			err := c.err
			c.err = nil
			return 0, err
		}
		if len(p) >= len(c.buf) {
			return c.Conn.Read(p) // as large as the buffer: no copy
		}
		n, err := c.Conn.Read(c.buf)
		c.adapt(n)
		if n == 0 {
			return 0, err
		}
		c.r, c.w, c.err = 0, n, err
	}
	n := copy(p, c.buf[c.r:c.w])
	c.r += n
	return n, nil
}

// adapt sizes the buffer for the next read after one that read n bytes into it, while it holds nothing
// else; the n bytes read stay where they are.
func (c *bufferedConn) adapt(n int) {
	switch {
	case n == len(c.buf) && len(c.buf) < maxReadBuffer:
		grown := make([]byte, 2*len(c.buf))
		copy(grown, c.buf[:n])
		c.buf, c.small = grown, 0
	case n < len(c.buf)/4 && len(c.buf) > minReadBuffer:
		if c.small++; c.small >= shrinkAfter {
			shrunk := make([]byte, max(minReadBuffer, n))
			copy(shrunk, c.buf[:n])
			c.buf, c.small = shrunk, 0
		}
	default:
		c.small = 0
	}
}
