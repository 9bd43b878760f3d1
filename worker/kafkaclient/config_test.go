package kafkaclient_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"maps"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/kafkaclient"
	"github.com/connectd/connectd/worker/kafkalog"
)

func minimalWorkerProps() map[string]string {
	return map[string]string{
		"group.id":             "connect-cluster",
		"config.storage.topic": "connect-configs",
		"offset.storage.topic": "connect-offsets",
		"status.storage.topic": "connect-status",
		"key.converter":        "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":      "org.apache.kafka.connect.json.JsonConverter",
	}
}

func withWorkerProps(props map[string]string, kv ...string) map[string]string {
	out := maps.Clone(props)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func saramaTestConfig(t *testing.T, kv ...string) config.Config {
	t.Helper()
	c, _, err := config.ParseConfig(withWorkerProps(minimalWorkerProps(), kv...))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	return c
}

func TestSaramaConfigKinds(t *testing.T) {
	c := saramaTestConfig(t,
		"client.id", "w1",
		"request.timeout.ms", "20000",
		"retry.backoff.ms", "250",
		"metadata.max.age.ms", "60000",
		"reconnect.backoff.ms", "70",
		"socket.connection.setup.timeout.ms", "4000",
		"session.timeout.ms", "12000",
		"producer.acks", "1",
		"producer.request.timeout.ms", "7000",
		"producer.compression.type", "zstd",
		"producer.linger.ms", "5",
		"consumer.auto.offset.reset", "latest",
		"consumer.isolation.level", "read_committed",
		"consumer.max.partition.fetch.bytes", "2048",
		"admin.client.id", "admin-1",
	)
	worker, err := c.SaramaConfig("")
	if err != nil {
		t.Fatal(err)
	}
	producer, err := c.SaramaConfig("producer")
	if err != nil {
		t.Fatal(err)
	}
	consumer, err := c.SaramaConfig("consumer")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := c.SaramaConfig("admin")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"version", worker.Version, sarama.V3_6_0_0},
		{"worker client id", worker.ClientID, "w1"},
		{"worker acks (producer.acks does not apply)", worker.Producer.RequiredAcks, sarama.WaitForAll},
		{"worker in flight", worker.Net.MaxOpenRequests, 1},
		{"worker idempotence", worker.Producer.Idempotent, false},
		{"worker successes", worker.Producer.Return.Successes, true},
		// JoinGroup can take rebalance.timeout.ms; the read timeout covers it.
		{"worker read timeout", worker.Net.ReadTimeout, 65 * time.Second},
		{"worker session timeout", worker.Consumer.Group.Session.Timeout, 12 * time.Second},
		{"worker rebalance timeout", worker.Consumer.Group.Rebalance.Timeout, time.Minute},
		{"worker metadata refresh", worker.Metadata.RefreshFrequency, time.Minute},
		{"worker metadata backoff", worker.Metadata.Retry.Backoff, 250 * time.Millisecond},
		{"worker reconnect backoff", worker.Consumer.Retry.Backoff, 70 * time.Millisecond},
		{"worker dial timeout", worker.Net.DialTimeout, 4 * time.Second},
		{"worker admin timeout", worker.Admin.Timeout, 20 * time.Second},
		{"producer acks", producer.Producer.RequiredAcks, sarama.WaitForLocal},
		{"producer read timeout", producer.Net.ReadTimeout, 7 * time.Second},
		{"producer produce timeout", producer.Producer.Timeout, 7 * time.Second},
		{"producer compression", producer.Producer.Compression, sarama.CompressionZSTD},
		{"producer linger", producer.Producer.Flush.Frequency, 5 * time.Millisecond},
		{"producer in flight", producer.Net.MaxOpenRequests, 1},
		{"producer client id", producer.ClientID, "w1"},
		{"consumer initial", consumer.Consumer.Offsets.Initial, sarama.OffsetNewest},
		{"consumer auto commit", consumer.Consumer.Offsets.AutoCommit.Enable, false},
		{"consumer isolation", consumer.Consumer.IsolationLevel, sarama.ReadCommitted},
		{"consumer partition fetch", consumer.Consumer.Fetch.Default, int32(2048)},
		{"consumer read timeout", consumer.Net.ReadTimeout, 20 * time.Second},
		{"admin client id", admin.ClientID, "admin-1"},
		{"admin acks untouched", admin.Producer.RequiredAcks, sarama.NewConfig().Producer.RequiredAcks},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	// The worker's client carries the internal-log producer settings kafkalog.New insists on.
	if _, ok := worker.Producer.Partitioner("t").(interface{ RequiresConsistency() bool }); !ok {
		t.Fatal("no partitioner")
	}
	if _, err := c.SaramaConfig("streams"); err == nil {
		t.Fatal("unknown client kind accepted")
	}
}

func TestSaramaConfigDefaultsPerKind(t *testing.T) {
	c := saramaTestConfig(t)
	worker, _ := c.SaramaConfig("")
	producer, _ := c.SaramaConfig("producer")
	consumer, _ := c.SaramaConfig("consumer")
	if worker.ClientID != "connectd" || worker.Net.ReadTimeout != 65*time.Second || worker.Admin.Timeout != 40*time.Second {
		t.Errorf("worker: client id %q, read timeout %v, admin timeout %v", worker.ClientID, worker.Net.ReadTimeout, worker.Admin.Timeout)
	}
	if producer.Net.ReadTimeout != 30*time.Second || producer.Producer.RequiredAcks != sarama.WaitForAll || producer.Producer.Idempotent {
		t.Errorf("producer: read timeout %v, acks %v, idempotent %v", producer.Net.ReadTimeout, producer.Producer.RequiredAcks, producer.Producer.Idempotent)
	}
	if consumer.Consumer.Offsets.Initial != sarama.OffsetOldest || consumer.Consumer.Offsets.AutoCommit.Enable {
		t.Errorf("consumer: initial %v, auto commit %v", consumer.Consumer.Offsets.Initial, consumer.Consumer.Offsets.AutoCommit.Enable)
	}
	if worker.Net.TLS.Enable || worker.Net.SASL.Enable {
		t.Error("PLAINTEXT enabled TLS or SASL")
	}
}

func TestSaramaConfigIdempotentProducer(t *testing.T) {
	c := saramaTestConfig(t, "producer.enable.idempotence", "true", "producer.max.in.flight.requests.per.connection", "5",
		"producer.retries", "2147483647")
	p, err := c.SaramaConfig("producer")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Producer.Idempotent || p.Net.MaxOpenRequests != 1 || p.Producer.Retry.Max != kafkaclient.MaxProducerRetries {
		t.Fatalf("idempotent %v, in flight %d, retries %d", p.Producer.Idempotent, p.Net.MaxOpenRequests, p.Producer.Retry.Max)
	}
}

func TestSaramaConfigSASL(t *testing.T) {
	jaas := `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cr3t";`
	tests := []struct {
		name      string
		kv        []string
		mechanism sarama.SASLMechanism
		tls       bool
	}{
		{"plain", []string{"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", jaas}, sarama.SASLTypePlaintext, false},
		{"scram 256 over tls", []string{"security.protocol", "sasl_ssl", "sasl.mechanism", "SCRAM-SHA-256", "sasl.jaas.config",
			`org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cr3t";`}, sarama.SASLTypeSCRAMSHA256, true},
		{"scram 512", []string{"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", jaas}, sarama.SASLTypeSCRAMSHA512, false},
	}
	for _, tt := range tests {
		cfg, err := saramaTestConfig(t, tt.kv...).SaramaConfig("")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		s := cfg.Net.SASL
		if !s.Enable || s.Mechanism != tt.mechanism || s.User != "alice" || s.Password != "s3cr3t" || cfg.Net.TLS.Enable != tt.tls {
			t.Errorf("%s: sasl %+v, tls %v", tt.name, s, cfg.Net.TLS.Enable)
		}
		if strings.HasPrefix(string(tt.mechanism), "SCRAM") && s.SCRAMClientGeneratorFunc == nil {
			t.Errorf("%s: no SCRAM client", tt.name)
		}
	}
}

func TestSaramaConfigSecurityErrors(t *testing.T) {
	dir := t.TempDir()
	jks := filepath.Join(dir, "truststore.jks")
	if err := os.WriteFile(jks, []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2}, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		kv   []string
		want string
	}{
		{"default GSSAPI", []string{"security.protocol", "SASL_PLAINTEXT"}, "sasl.mechanism is not set"},
		{"oauth", []string{"security.protocol", "SASL_SSL", "sasl.mechanism", "OAUTHBEARER"},
			"Invalid value OAUTHBEARER for configuration sasl.mechanism: only PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 are supported"},
		{"no jaas", []string{"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN"}, `Missing required configuration "sasl.jaas.config"`},
		{"kerberos module", []string{"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
			`com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;`}, "login module com.sun.security.auth.module.Krb5LoginModule is not supported"},
		{"unterminated jaas", []string{"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
			`org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="hunter2"`}, "not terminated by ';'"},
		{"producer override named", []string{"producer.security.protocol", "SASL_PLAINTEXT", "producer.sasl.mechanism", "GSSAPI"},
			"configuration producer.sasl.mechanism"},
		{"jks type", []string{"security.protocol", "SSL", "ssl.truststore.type", "JKS", "ssl.truststore.location", jks},
			"Invalid value JKS for configuration ssl.truststore.type: JKS stores are not supported"},
		{"jks file without type", []string{"security.protocol", "SSL", "ssl.truststore.location", jks},
			"for configuration ssl.truststore.location: the file is not PEM"},
		{"pkcs12 keystore", []string{"security.protocol", "SSL", "ssl.keystore.type", "PKCS12", "ssl.keystore.location", jks},
			"Invalid value PKCS12 for configuration ssl.keystore.type: PKCS12 stores are not supported"},
		{"missing file", []string{"security.protocol", "SSL", "ssl.truststore.type", "PEM", "ssl.truststore.location", filepath.Join(dir, "nope.pem")},
			"for configuration ssl.truststore.location: cannot read the store"},
		{"bad inline certificates", []string{"security.protocol", "SSL", "ssl.truststore.type", "PEM", "ssl.truststore.certificates", "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----"},
			"ssl.truststore.certificates: no PEM certificate found"},
		{"half a key pair", []string{"security.protocol", "SSL", "ssl.keystore.type", "PEM", "ssl.keystore.key", "x"},
			"ssl.keystore.certificate.chain and ssl.keystore.key must be set together"},
		{"tls protocols", []string{"security.protocol", "SSL", "ssl.enabled.protocols", "SSLv3"}, "ssl.enabled.protocols"},
	}
	for _, tt := range tests {
		_, _, err := config.ParseConfig(withWorkerProps(minimalWorkerProps(), tt.kv...))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error leaks the password: %v", tt.name, err)
		}
	}
}

// connectWith opens a sarama client to c with the worker's client configuration and lists topics.
func connectWith(cluster *kfake.Cluster, c config.Config) error {
	cfg, err := c.SaramaConfig("")
	if err != nil {
		return err
	}
	cfg.Net.DialTimeout = 5 * time.Second
	cfg.Metadata.Retry.Max = 0
	client, err := sarama.NewClient(cluster.ListenAddrs(), cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	_, err = client.Topics()
	return err
}

func TestSaramaConfigAuthenticatesWithKfake(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plainuser", "plainpass"),
		kfake.Superuser("SCRAM-SHA-256", "scram256", "pass256"),
		kfake.Superuser("SCRAM-SHA-512", "scram512", "pass512"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	jaas := func(module, user, pass string) string {
		return "org.apache.kafka.common.security." + module + " required username=\"" + user + "\" password=\"" + pass + "\";"
	}
	tests := []struct {
		mechanism, jaas string
		ok              bool
	}{
		{"PLAIN", jaas("plain.PlainLoginModule", "plainuser", "plainpass"), true},
		{"SCRAM-SHA-256", jaas("scram.ScramLoginModule", "scram256", "pass256"), true},
		{"SCRAM-SHA-512", jaas("scram.ScramLoginModule", "scram512", "pass512"), true},
		{"SCRAM-SHA-256", jaas("scram.ScramLoginModule", "scram256", "wrong"), false},
	}
	for _, tt := range tests {
		c := saramaTestConfig(t, "bootstrap.servers", strings.Join(cluster.ListenAddrs(), ","),
			"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", tt.mechanism, "sasl.jaas.config", tt.jaas)
		err := connectWith(cluster, c)
		if tt.ok && err != nil {
			t.Errorf("%s: %v", tt.mechanism, err)
		}
		if !tt.ok && err == nil {
			t.Errorf("%s with a wrong password connected", tt.mechanism)
		}
	}
}

// testPKI is a CA with a server certificate (for host names and IPs given) and a client certificate.
type testPKI struct {
	caPEM, serverCertPEM, serverKeyPEM, clientCertPEM, clientKeyPEM []byte
	caPool                                                          *x509.CertPool
}

func newTestPKI(t *testing.T, dnsNames []string, ips []net.IP) *testPKI {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	keyPEM := func(k *ecdsa.PrivateKey) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	caKey := key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage, k *ecdsa.PrivateKey) []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			DNSNames: dnsNames, IPAddresses: ips, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	serverKey, clientKey := key(), key()
	p := &testPKI{
		caPEM:         pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		serverCertPEM: issue(2, x509.ExtKeyUsageServerAuth, serverKey), serverKeyPEM: keyPEM(serverKey),
		clientCertPEM: issue(3, x509.ExtKeyUsageClientAuth, clientKey), clientKeyPEM: keyPEM(clientKey),
		caPool: x509.NewCertPool(),
	}
	p.caPool.AddCert(ca)
	return p
}

func (p *testPKI) serverTLS(t *testing.T, requireClientCert bool) *tls.Config {
	t.Helper()
	cert, err := tls.X509KeyPair(p.serverCertPEM, p.serverKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if requireClientCert {
		tc.ClientAuth, tc.ClientCAs = tls.RequireAndVerifyClientCert, p.caPool
	}
	return tc
}

func TestSaramaConfigTLSWithKfake(t *testing.T) {
	// The server certificate names neither 127.0.0.1 nor localhost: only disabling endpoint identification
	// lets the client in, and only with the right CA.
	pki := newTestPKI(t, []string{"kafka.example"}, nil)
	other := newTestPKI(t, []string{"kafka.example"}, nil)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.TLS(pki.serverTLS(t, true)))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	dir := t.TempDir()
	write := func(name string, data ...[]byte) string {
		path := filepath.Join(dir, name)
		var all []byte
		for _, d := range data {
			all = append(all, d...)
		}
		if err := os.WriteFile(path, all, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	truststore := write("ca.pem", pki.caPEM)
	keystore := write("client.pem", pki.clientCertPEM, pki.clientKeyPEM)
	base := []string{"bootstrap.servers", strings.Join(cluster.ListenAddrs(), ","), "security.protocol", "SSL"}
	tests := []struct {
		name string
		kv   []string
		ok   bool
	}{
		{"files, no host name check", []string{"ssl.truststore.type", "PEM", "ssl.truststore.location", truststore,
			"ssl.keystore.type", "PEM", "ssl.keystore.location", keystore, "ssl.endpoint.identification.algorithm", ""}, true},
		{"inline, no host name check", []string{"ssl.truststore.type", "PEM", "ssl.truststore.certificates", string(pki.caPEM),
			"ssl.keystore.type", "PEM", "ssl.keystore.certificate.chain", string(pki.clientCertPEM),
			"ssl.keystore.key", string(pki.clientKeyPEM), "ssl.endpoint.identification.algorithm", ""}, true},
		{"untyped PEM files", []string{"ssl.truststore.location", truststore, "ssl.keystore.location", keystore,
			"ssl.endpoint.identification.algorithm", ""}, true},
		{"host name checked", []string{"ssl.truststore.type", "PEM", "ssl.truststore.location", truststore,
			"ssl.keystore.type", "PEM", "ssl.keystore.location", keystore}, false},
		{"wrong CA", []string{"ssl.truststore.type", "PEM", "ssl.truststore.certificates", string(other.caPEM),
			"ssl.keystore.type", "PEM", "ssl.keystore.location", keystore, "ssl.endpoint.identification.algorithm", ""}, false},
		{"no client certificate", []string{"ssl.truststore.type", "PEM", "ssl.truststore.location", truststore,
			"ssl.endpoint.identification.algorithm", ""}, false},
	}
	for _, tt := range tests {
		c := saramaTestConfig(t, slicesConcat(base, tt.kv)...)
		err := connectWith(cluster, c)
		if tt.ok && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if !tt.ok && err == nil {
			t.Errorf("%s: connected, want a TLS failure", tt.name)
		}
	}
}

func slicesConcat(a, b []string) []string { return append(append([]string(nil), a...), b...) }

// The worker's client configuration is what kafkalog requires of its shared client.
func TestWorkerSaramaConfigSuitsKafkaLog(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	cfg, err := saramaTestConfig(t).SaramaConfig("")
	if err != nil {
		t.Fatal(err)
	}
	client, err := sarama.NewClient(cluster.ListenAddrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := kafkalog.New(kafkalog.Config{Topic: "t", Client: client, OnRecord: func(kafkalog.Record) {}}); err != nil {
		t.Fatal(err)
	}
}
