package mqtt

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/proxy"
)

// readBufferSize is the read buffer of each MQTT connection: a few dozen 1 KB messages per system call.
const readBufferSize = 32 << 10

// openConnection dials a broker as paho's own dialer does (the same schemes, the proxy of the environment,
// TLS, websockets), and gives paho the TCP and TLS connections through a read buffer. paho reads every packet
// straight from the connection: a byte for the packet type, a byte at a time for its length, then the rest,
// three or four system calls per message, which were an eighth of a source task's CPU at full rate. Through
// the buffer one read takes in every message the broker has sent so far. paho is the only reader of a
// connection, and a packet it has not asked for stays in the buffer, where its next read finds it.
func openConnection(uri *url.URL, opts paho.ClientOptions) (net.Conn, error) {
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
		conn, err := proxy.FromEnvironmentUsing(dialer).Dial("tcp", uri.Host)
		if err != nil {
			return nil, err
		}
		return newBufferedConn(conn), nil
	case "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
		conn, err := dialTLS(dialer, uri.Host, opts.TLSConfig)
		if err != nil {
			return nil, err
		}
		return newBufferedConn(conn), nil
	}
	return nil, errors.New("unknown protocol")
}

// dialTLS opens a TLS connection, through the proxy of all_proxy when it is set (as paho does). The dialer's
// timeout bounds the handshake too, and its Cancel channel (the sink's) ends either.
func dialTLS(dialer *net.Dialer, host string, cfg *tls.Config) (net.Conn, error) {
	ctx := context.Background()
	if dialer.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, dialer.Timeout)
		defer cancel()
	}
	if os.Getenv("all_proxy") == "" {
		return (&tls.Dialer{NetDialer: dialer, Config: cfg}).DialContext(ctx, "tcp", host)
	}
	conn, err := proxy.FromEnvironment().Dial("tcp", host)
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

// bufferedConn is a connection whose reads go through a buffer; writes, deadlines and Close are the
// connection's.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func newBufferedConn(c net.Conn) *bufferedConn {
	return &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, readBufferSize)}
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
