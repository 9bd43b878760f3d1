package mqttbroker

import (
	"crypto/tls"
	"log/slog"
	"net"
	"sync"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// tcpListener is mochi's TCP listener with an accept loop that cannot race mochi's Close. mochi (v2.7.9)
// establishes each accepted connection on a goroutine of its own, which adds the connection to the server's
// ClientsWg; Close waits on that WaitGroup, and an Add from zero during the Wait is a race (the race detector
// reports it when a client reconnects while the broker closes). Here the accept loop adds to ClientsWg itself
// before it hands the connection on, and stop ends the loop before mochi's Close begins: every Add mochi
// makes then comes while the count is above zero.
type tcpListener struct {
	id, address string
	tlsConfig   *tls.Config
	clients     *sync.WaitGroup // the server's ClientsWg

	listen   net.Listener
	stopOnce sync.Once
	served   chan struct{} // closed when Serve has returned
}

func newTCPListener(id, address string, tlsConfig *tls.Config, clients *sync.WaitGroup) *tcpListener {
	return &tcpListener{id: id, address: address, tlsConfig: tlsConfig, clients: clients, served: make(chan struct{})}
}

// Init opens the address.
func (l *tcpListener) Init(*slog.Logger) error {
	var err error
	if l.tlsConfig != nil {
		l.listen, err = tls.Listen("tcp", l.address, l.tlsConfig)
	} else {
		l.listen, err = net.Listen("tcp", l.address)
	}
	return err
}

// Serve accepts connections until the listener is closed, and establishes each on a goroutine of its own.
func (l *tcpListener) Serve(establish listeners.EstablishFn) {
	defer close(l.served)
	for {
		conn, err := l.listen.Accept()
		if err != nil {
			return
		}
		l.clients.Add(1)
		go func() {
			defer l.clients.Done()
			_ = establish(l.id, conn) // mochi logs and closes what it refuses
		}()
	}
}

// ID is the listener's id.
func (l *tcpListener) ID() string { return l.id }

// Address is the address the listener listens on.
func (l *tcpListener) Address() string {
	if l.listen != nil {
		return l.listen.Addr().String()
	}
	return l.address
}

// Protocol is "tcp".
func (l *tcpListener) Protocol() string { return "tcp" }

// Close closes the listener's clients and stops accepting (mochi's Close calls it).
func (l *tcpListener) Close(closeClients listeners.CloseFn) {
	closeClients(l.id)
	l.stop()
}

// stop closes the listener: Serve returns.
func (l *tcpListener) stop() {
	l.stopOnce.Do(func() {
		if l.listen != nil {
			_ = l.listen.Close()
		}
	})
}

// awaitServed waits until the accept loop has ended, after stop.
func (l *tcpListener) awaitServed() { <-l.served }
