package mqtt

import (
	"context"
	"net"
	"net/url"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// noConnectTimeout is paho's connect timeout for connect.timeout.seconds=0, which means no limit as in paho's
// Java client. paho's Go client has no such value: it puts the timeout as a deadline on the connection before
// it writes CONNECT, so 0 would fail every attempt at once.
const noConnectTimeout = 100 * 365 * 24 * time.Hour

// pahoConnectTimeout is the connect timeout paho is given for a configured one.
func pahoConnectTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return noConnectTimeout
	}
	return d
}

// attempt makes one connection attempt of a paho client end when ctx does. paho cannot abandon an attempt:
// it opens the connection without a context, and then waits for CONNACK until the connect timeout. So the
// attempt dials and handshakes TLS with ctx, and the connections it opens are closed when ctx ends, which ends
// paho's wait for CONNACK at once: a stopping task does not wait for a silent broker, whatever the timeout.
// Not reached by ctx: a websocket's handshake, bounded by the connect timeout only.
type attempt struct {
	ctx context.Context

	mu    sync.Mutex
	stops []func() bool // the context.AfterFuncs closing the connections opened
}

// newAttempt sets opts up for an attempt that ends with ctx; release must be called once the attempt ended, or
// once ctx is done (a connection paho opens after that is closed at once).
func newAttempt(ctx context.Context, opts *paho.ClientOptions, connectTimeout time.Duration) *attempt {
	a := &attempt{ctx: ctx}
	// Cancel is deprecated for DialContext, which paho does not call: it is the only way in.
	opts.SetDialer(&net.Dialer{Timeout: connectTimeout, Cancel: ctx.Done()}) //nolint:staticcheck // see above
	opts.SetCustomOpenConnectionFn(a.open)
	return a
}

// open opens a connection as openConnection does (paho may open several in one attempt: one per broker, and
// again with MQTT 3.1 when 3.1.1 was refused), and closes it if ctx ends before release.
func (a *attempt) open(uri *url.URL, opts paho.ClientOptions) (net.Conn, error) {
	conn, err := openConnectionContext(a.ctx, uri, opts)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.stops = append(a.stops, context.AfterFunc(a.ctx, func() { _ = conn.Close() }))
	a.mu.Unlock()
	return conn, nil
}

// release ends the watch on ctx: a connection the attempt made is the client's from now on, and a failed one's
// close is not kept until ctx ends.
func (a *attempt) release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, stop := range a.stops {
		stop()
	}
	a.stops = nil
}
