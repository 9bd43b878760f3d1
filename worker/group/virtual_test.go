package group

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/rcrowley/go-metrics"
	"github.com/twmb/franz-go/pkg/kfake"
)

// nilMeters is a go-metrics registry that hands sarama no-op meters. A real meter registers with go-metrics'
// package-level arbiter, whose goroutine waits on a ticker made outside any bubble: started inside one it is
// never durably blocked, so the bubble's clock would never advance (and its goroutine would outlive the test).
type nilMeters struct{ metrics.Registry }

func (r nilMeters) GetOrRegister(name string, i any) any {
	if _, ok := i.(func() metrics.Meter); ok {
		return metrics.NilMeter{}
	}
	return r.Registry.GetOrRegister(name, i)
}

// virtualDialer dials kfake's in-memory network; it has the shape of sarama's Net.Proxy.Dialer.
type virtualDialer struct{ vn *kfake.VirtualNetwork }

func (d virtualDialer) Dial(network, addr string) (net.Conn, error) {
	return d.vn.DialContext(context.Background(), network, addr)
}

// newVirtualKafka starts kfake (three brokers) on an in-memory network, with a sarama client that dials it, for a test inside
// a synctest bubble: no real socket, so the bubble's clock advances whenever every goroutine waits, and
// session timeouts and heartbeat intervals cost no wall time. Both are closed by t.Cleanup, inside the bubble.
func newVirtualKafka(t *testing.T) (*kfake.Cluster, sarama.Client) {
	t.Helper()
	var vn kfake.VirtualNetwork
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.Ports(19092, 19093, 19094),
		kfake.GroupMinSessionTimeout(100*time.Millisecond), kfake.ListenFn(vn.Listen))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.ClientID = "group-test"
	cfg.MetricRegistry = nilMeters{metrics.NewRegistry()}
	cfg.Net.Proxy.Enable = true
	cfg.Net.Proxy.Dialer = virtualDialer{&vn}
	cl, err := sarama.NewClient(c.ListenAddrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return c, cl
}
