package group

import (
	"context"
	"net"
	"sync"

	"github.com/IBM/sarama"
)

// conn is a broker connection the member owns. sarama's Broker calls block without a context and hold the
// broker's lock for a whole round trip (a JoinGroup can wait out a rebalance), so Broker.Close cannot cut
// them short; the connection is dialled through abortDialer instead, whose abort closes the socket under
// sarama and makes the pending call return.
type conn struct {
	addr   string
	broker *sarama.Broker
	dialer *abortDialer
}

// dialer is the shape of sarama's Net.Proxy.Dialer (golang.org/x/net/proxy.Dialer).
type dialer interface {
	Dial(network, addr string) (net.Conn, error)
}

type abortDialer struct {
	ctx    context.Context
	cancel context.CancelFunc
	base   dialer // the user's proxy dialer, or nil for a plain net.Dialer
	plain  net.Dialer

	mu    sync.Mutex
	conns []net.Conn
}

func (d *abortDialer) Dial(network, addr string) (net.Conn, error) {
	var (
		c   net.Conn
		err error
	)
	if d.base != nil {
		c, err = d.base.Dial(network, addr)
	} else {
		c, err = d.plain.DialContext(d.ctx, network, addr)
	}
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx.Err() != nil {
		_ = c.Close()
		return nil, d.ctx.Err()
	}
	d.conns = append(d.conns, c)
	return c, nil
}

func (c *conn) aborted() bool { return c.dialer.ctx.Err() != nil }

// abort closes every socket dialled so far and fails later dials.
func (d *abortDialer) abort() {
	d.cancel()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		_ = c.Close()
	}
	d.conns = nil
}

// openConn connects to addr with conf (which it copies) and waits until the connection, its ApiVersions
// exchange and any SASL handshake are done, or ctx ends.
func openConn(ctx context.Context, addr string, conf *sarama.Config) (*conn, error) {
	d := &abortDialer{}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	cc := *conf
	if cc.Net.Proxy.Enable {
		d.base = cc.Net.Proxy.Dialer
	} else {
		d.plain = net.Dialer{Timeout: cc.Net.DialTimeout, KeepAlive: cc.Net.KeepAlive, LocalAddr: cc.Net.LocalAddr}
	}
	cc.Net.Proxy.Enable = true
	cc.Net.Proxy.Dialer = d

	c := &conn{addr: addr, broker: sarama.NewBroker(addr), dialer: d}
	if err := c.broker.Open(&cc); err != nil {
		d.abort()
		return nil, err
	}
	err := c.do(ctx, func(b *sarama.Broker) error {
		ok, err := b.Connected()
		if !ok && err == nil {
			err = sarama.ErrNotConnected
		}
		return err
	})
	if err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// do runs one blocking broker call; if ctx ends first the socket is closed under it, the call is waited
// for, and ctx's error returned. The connection is then unusable.
func (c *conn) do(ctx context.Context, call func(*sarama.Broker) error) error {
	done := make(chan error, 1)
	go func() { done <- call(c.broker) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		c.dialer.abort()
		<-done
		return ctx.Err()
	}
}

func (c *conn) close() {
	c.dialer.abort()
	_ = c.broker.Close()
}
