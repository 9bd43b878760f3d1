package mqtt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"maps"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

func fixtureConfig(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mqtt-connector.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Config map[string]any }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f.Config
}

// converterSetting reports keys the converters define (key.converter.schemas.enable), not the plugin.
func converterSetting(key string) bool {
	return strings.HasPrefix(key, "key.converter.") || strings.HasPrefix(key, "value.converter.")
}

func TestSpecDefinesEveryKeyOfTheUsersFile(t *testing.T) {
	t.Parallel()
	spec, framework := Spec(), connector.FrameworkSpec(connector.Source)
	for key := range fixtureConfig(t) {
		if converterSetting(key) {
			continue
		}
		if spec.Field(key) == nil && framework.Field(key) == nil {
			t.Errorf("key %s of the user's file is not defined", key)
		}
	}
	for _, f := range spec.Fields {
		if f.NoEffect != strings.HasPrefix(f.Doc, noEffect) {
			t.Errorf("%s: NoEffect %v but documentation %q", f.Name, f.NoEffect, f.Doc)
		}
		if f.Doc == "" || f.Group == "" {
			t.Errorf("%s has no documentation or group", f.Name)
		}
	}
	for _, key := range []string{fieldQoS, fieldCleanSession, fieldConnectTimeout, fieldKeepAlive, fieldMaxRetryTime,
		fieldMapHeaders, fieldRemoveHeaders, fieldMessageHeaderKey, fieldIdempotencyEnabled, fieldMaxBatchPollSize,
		fieldMaxPollDuration, fieldQueueSize, fieldContentLogLevel, fieldBeansAggregate} {
		if spec.Field(key).NoEffect {
			t.Errorf("%s is honoured but marked without effect", key)
		}
	}
	for _, key := range []string{fieldErrorHandler, fieldSourceURL, fieldSourceComponent, fieldSourceMarshal,
		fieldSourceUnmarshal, fieldMapProperties, fieldBlockTimeout, fieldBlockWhenFull} {
		if !spec.Field(key).NoEffect {
			t.Errorf("%s has no effect but is not marked so", key)
		}
	}
}

func TestRegistryResolvesEveryNameAndThePlaceholder(t *testing.T) {
	t.Parallel()
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{Class, CamelClass, "CamelMqttsourceSourceConnector", "CamelMqttsourceSource",
		ConfluentClass, "MqttSourceConnector", "MqttSource"} {
		p, err := r.Lookup(name)
		if err != nil || p.Class != Class {
			t.Errorf("lookup %s: %v %v", name, p, err)
		}
	}
	for _, cfg := range []map[string]string{
		{connector.KeyConnectorClass: "CONNECTOR CLASS", fieldTopic: "a/#"},
		{connector.KeyConnectorClass: "CONNECTOR CLASS", fieldServerURI: "tcp://h:1883"},
	} {
		p, warning, err := r.Resolve(cfg)
		if err != nil || p.Class != Class || warning == "" {
			t.Errorf("resolve %v: %v %q %v", cfg, p, warning, err)
		}
	}
	infos, err := r.PluginConfig(CamelClass)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range infos {
		names = append(names, k.Name)
	}
	for key := range fixtureConfig(t) {
		if !converterSetting(key) && !slices.Contains(names, key) {
			t.Errorf("/connector-plugins/.../config lacks %s", key)
		}
	}
}

func TestValidateHidesThePassword(t *testing.T) {
	t.Parallel()
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	infos, _, err := r.Validate(map[string]string{
		connector.KeyConnectorClass: CamelClass, connector.KeyName: "v", fieldBrokerURL: "tcp://h:1883",
		fieldTopic: "a", fieldUsername: "u", fieldPassword: "s3cret",
	}, connector.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if infos.ErrorCount != 0 {
		t.Fatalf("%d errors: %+v", infos.ErrorCount, infos)
	}
	out, _ := json.Marshal(infos)
	if strings.Contains(string(out), "s3cret") || !strings.Contains(string(out), `"value":"[hidden]"`) {
		t.Fatalf("validate output does not hide the password: %s", out)
	}
}

func TestCamelAndConfluentKeysResolveToTheSameBehaviour(t *testing.T) {
	t.Parallel()
	camel := map[string]string{
		fieldBrokerURL: "tcp://a:1883, ssl://b:8883", fieldTopic: "x/#,y/+", fieldTopics: "k",
		fieldQoS: "2", fieldCleanSession: "false", fieldConnectTimeout: "7", fieldKeepAlive: "9",
		fieldMaxRetryTime: "1234", fieldUsername: "u", fieldPassword: "p", fieldQueueSize: "77",
		fieldMaxBatchPollSize: "55", fieldMaxPollDuration: "33",
	}
	confluent := map[string]string{
		fieldServerURI: "tcp://a:1883,ssl://b:8883", fieldMQTTTopics: "x/#,y/+", fieldKafkaTopic: "k",
		fieldMQTTQoS: "2", fieldMQTTCleanSession: "false", fieldMQTTConnectTimeout: "7", fieldMQTTKeepAlive: "9",
		fieldMQTTMaxRetryTime: "1234", fieldMQTTUsername: "u", fieldMQTTPassword: "p", fieldBufferSize: "77",
		fieldBufferMaxBatch: "55", fieldBufferEmptyTimeout: "33",
	}
	a, err := parseConfig(camel)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseConfig(confluent)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*config{a, b} {
		if strings.Join(c.brokers, " ") != "tcp://a:1883 ssl://b:8883" || strings.Join(c.filters, " ") != "x/# y/+" ||
			strings.Join(c.kafkaTopics, " ") != "k" || c.qos != 2 || c.cleanSession || c.connectTimeout != 7*time.Second ||
			c.keepAlive != 9*time.Second || c.maxRetry != 1234*time.Millisecond || c.username != "u" || c.password != "p" ||
			c.queueSize != 77 || c.maxBatch != 55 || c.maxPollDuration != 33*time.Millisecond {
			t.Errorf("resolved %+v", c)
		}
	}
	// The Camel-style key wins when both are set; defaults come from it.
	both := map[string]string{fieldBrokerURL: "tcp://camel:1", fieldServerURI: "tcp://confluent:1", fieldTopic: "c",
		fieldMQTTTopics: "f", fieldMQTTQoS: "0", fieldQoS: "2", connector.KeyName: "conn"}
	c, err := parseConfig(both)
	if err != nil {
		t.Fatal(err)
	}
	if c.brokers[0] != "tcp://camel:1" || c.filters[0] != "c" || c.qos != 2 {
		t.Errorf("Camel-style keys did not win: %+v", c)
	}
	d, _ := parseConfig(map[string]string{fieldServerURI: "tcp://h:1", fieldMQTTTopics: "f", connector.KeyName: "conn"})
	if d.qos != 1 || !d.cleanSession || d.kafkaTopics[0] != "mqtt" || d.clientID != "conn" || d.maxRetry != 30*time.Second {
		t.Errorf("defaults %+v", d)
	}
}

func TestCheckReportsEveryCrossKeyProblem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, cert, key := writeTestPKI(t, dir)
	notPEM := filepath.Join(dir, "store.jks")
	if err := os.WriteFile(notPEM, []byte{0xfe, 0xed, 0xfe, 0xed}, 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{fieldBrokerURL: "tcp://h:1883", fieldTopic: "a/#", fieldTopics: "out"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<unset>" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	cases := []struct {
		name   string
		config map[string]string
		want   map[string]string // key -> substring of its error; empty: no errors
	}{
		{"valid", base, nil},
		{"valid with TLS files", with(fieldSSLCACert, ca, fieldSSLCert, cert, fieldSSLKey, key), nil},
		{"valid PEM key store", with(fieldTrustStorePath, ca, fieldKeyStorePath, cert+"+key"), nil},
		{"no broker", with(fieldBrokerURL, "<unset>"), map[string]string{fieldBrokerURL: "Missing required configuration"}},
		{"empty broker", with(fieldBrokerURL, " , "), map[string]string{fieldBrokerURL: "Missing required configuration"}},
		{"no filter", with(fieldTopic, "<unset>"), map[string]string{fieldTopic: "Missing required configuration"}},
		{"bad scheme", with(fieldBrokerURL, "amqp://h"), map[string]string{fieldBrokerURL: `unsupported MQTT broker URL scheme "amqp"`}},
		{"no scheme", with(fieldBrokerURL, "h:1883"), map[string]string{fieldBrokerURL: "want scheme://host:port"}},
		{"no host", with(fieldBrokerURL, "tcp://:1883"), map[string]string{fieldBrokerURL: "no host"}},
		{"bad confluent URL", with(fieldBrokerURL, "<unset>", fieldServerURI, "tcp://h:0"), map[string]string{fieldServerURI: "invalid port 0"}},
		{"bad filters", with(fieldTopic, "a/#/b"), map[string]string{fieldTopic: "# must be a whole level"}},
		{"bad shared filter", with(fieldTopic, "$share/g"), map[string]string{fieldTopic: "$share/<group>/<filter>"}},
		{"password without user", with(fieldPassword, "p"), map[string]string{fieldPassword: "needs a username"}},
		{"unknown CA file", with(fieldSSLCACert, filepath.Join(dir, "missing.pem")), map[string]string{fieldSSLCACert: "cannot read the file"}},
		{"Java key store", with(fieldTrustStorePath, notPEM), map[string]string{fieldTrustStorePath: "no PEM certificate"}},
		{"cert without key", with(fieldSSLCert, cert), map[string]string{fieldSSLKey: "Missing required configuration"}},
		{"key that does not match", with(fieldSSLCert, ca, fieldSSLKey, key), map[string]string{fieldSSLKey: "cannot use the client certificate"}},
		{"unknown aggregator", with(fieldBeansAggregate, "#class:x.Y"), map[string]string{fieldBeansAggregate: "only the aggregation strategy"}},
		{"idempotency by header without header", with(fieldIdempotencyEnabled, "true", fieldIdempotencyType, "header"),
			map[string]string{fieldIdempotencyHeader: "Missing required configuration"}},
		{"illegal Kafka topic", with(fieldTopics, "a,b c"), map[string]string{fieldTopics: `Topic name "b c" is illegal`}},
		{"bad per-key values do not break the check", with(fieldQoS, "x", fieldMaxRetryTime, "-5"), nil},
		{"several connections without shared subscriptions", with(fieldSharedSubscriptions, "false", fieldConnectionsPerTask, "2"),
			map[string]string{fieldConnectionsPerTask: "shared subscription"}},
		{"one connection without shared subscriptions", with(fieldSharedSubscriptions, "false", fieldConnectionsPerTask, "1"), nil},
		{"default connections without shared subscriptions", with(fieldSharedSubscriptions, "false"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := check(tc.config)
			if len(got) != len(tc.want) {
				t.Fatalf("errors %v, want on %v", got, tc.want)
			}
			for key, sub := range tc.want {
				if len(got[key]) != 1 || !strings.Contains(got[key][0], sub) {
					t.Errorf("%s: errors %v, want one containing %q", key, got[key], sub)
				}
			}
		})
	}
}

// TestConnectionsPerTask checks the key's defaults (by session and task count), its range, and that a task without shared subscriptions
// has one connection.
func TestConnectionsPerTask(t *testing.T) {
	t.Parallel()
	base := map[string]string{fieldBrokerURL: "tcp://h:1883", fieldTopic: "a/#", fieldTopics: "out"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		config map[string]string
		want   int
	}{
		{base, defaultConnectionsPerTask},
		// A persistent session of the only task keeps a plain subscription, which Mosquitto persists.
		{with(fieldCleanSession, "false"), 1},
		{with(fieldCleanSession, "false", fieldTaskCount, "2"), defaultConnectionsPerTask},
		{with(fieldCleanSession, "false", fieldConnectionsPerTask, "4"), 4},
		{with(fieldConnectionsPerTask, "1"), 1},
		{with(fieldConnectionsPerTask, "64"), 64},
		{with(fieldSharedSubscriptions, "false"), 1},
	} {
		cfg, err := parseConfig(tc.config)
		if err != nil || cfg.connections != tc.want {
			t.Errorf("%v: %d connections (%v), want %d", tc.config, cfg.connections, err, tc.want)
		}
	}
	for _, bad := range []string{"0", "65", "x"} {
		if _, err := parseConfig(with(fieldConnectionsPerTask, bad)); err == nil || !strings.Contains(err.Error(), fieldConnectionsPerTask) {
			t.Errorf("%s=%s: error %v", fieldConnectionsPerTask, bad, err)
		}
	}
}

// TestFormerFiltersAreTheOtherForm checks what a persistent session unsubscribes: the plain filters when the
// task subscribes to shared ones, and the reverse; filters written as shared subscriptions are left alone.
func TestFormerFiltersAreTheOtherForm(t *testing.T) {
	t.Parallel()
	raw := map[string]string{connector.KeyName: "conn", fieldBrokerURL: "tcp://h:1", fieldTopic: "a/#,$share/own/c",
		fieldTopics: "out"}
	for _, tc := range []struct {
		connections string
		want        []string
	}{
		{"1", []string{"$share/conn/a/#"}},
		{"3", []string{"a/#"}},
	} {
		cfg, err := parseConfig(withKey(raw, fieldConnectionsPerTask, tc.connections))
		if err != nil {
			t.Fatal(err)
		}
		if got := formerFilters(cfg); !slices.Equal(got, tc.want) {
			t.Errorf("%s connections: former filters %v, want %v", tc.connections, got, tc.want)
		}
	}
}

// withKey returns a copy of m with the key set to v.
func withKey(m map[string]string, key, v string) map[string]string {
	out := maps.Clone(m)
	out[key] = v
	return out
}

func TestTaskConfigsShareOrSplitTheFilters(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		config   map[string]string
		maxTasks int
		want     [][]string // filters per task
	}{
		{"one task of one connection subscribes as written", map[string]string{fieldConnectionsPerTask: "1"}, 1,
			[][]string{{"a/#", "b", "$share/own/c"}}},
		{"one task of several connections shares", nil, 1,
			[][]string{{"$share/my_conn_x/a/#", "$share/my_conn_x/b", "$share/own/c"}}},
		{"shared by default", nil, 3, [][]string{
			{"$share/my_conn_x/a/#", "$share/my_conn_x/b", "$share/own/c"},
			{"$share/my_conn_x/a/#", "$share/my_conn_x/b", "$share/own/c"},
			{"$share/my_conn_x/a/#", "$share/my_conn_x/b", "$share/own/c"},
		}},
		{"divided without shared subscriptions", map[string]string{fieldSharedSubscriptions: "false"}, 2,
			[][]string{{"a/#", "$share/own/c"}, {"b"}}},
		{"at most one task per filter", map[string]string{fieldSharedSubscriptions: "false"}, 5,
			[][]string{{"a/#"}, {"b"}, {"$share/own/c"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := map[string]string{connector.KeyName: "my/conn+x", fieldBrokerURL: "tcp://h:1", fieldTopic: "a/#,b,$share/own/c",
				fieldClientID: "dev"}
			for k, v := range tc.config {
				raw[k] = v
			}
			c := &Connector{}
			if err := c.Start(context.Background(), nil, raw); err != nil {
				t.Fatal(err)
			}
			tcs, err := c.TaskConfigs(context.Background(), tc.maxTasks)
			if err != nil {
				t.Fatal(err)
			}
			if len(tcs) != len(tc.want) {
				t.Fatalf("%d task configs, want %d", len(tcs), len(tc.want))
			}
			for i, tcfg := range tcs {
				cfg, err := parseConfig(tcfg)
				if err != nil {
					t.Fatal(err)
				}
				if got := taskFilters(cfg); !slices.Equal(got, tc.want[i]) {
					t.Errorf("task %d filters %v, want %v", i, got, tc.want[i])
				}
				if cfg.taskIndex != i || cfg.clientID != "dev" {
					t.Errorf("task %d: index %d client %s", i, cfg.taskIndex, cfg.clientID)
				}
			}
		})
	}
}

// writeTestPKI writes a CA, and a certificate for 127.0.0.1 signed by it with its key, as PEM files. The key
// store path cert+"+key" holds the certificate and the key together.
func writeTestPKI(t testing.TB, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for name, data := range map[string][]byte{caFile: caPEM, certFile: certPEM, keyFile: keyPEM, certFile + "+key": append(certPEM, keyPEM...)} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return caFile, certFile, keyFile
}

// serverTLS is the broker side of writeTestPKI: its certificate, and client certificates required.
func serverTLS(t testing.TB, caFile, certFile, keyFile string) *tls.Config {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(caFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
		MinVersion: tls.VersionTLS12}
}

func TestBufferByteBudgetIsASpecKey(t *testing.T) {
	t.Parallel()
	var field *connector.Field
	for _, f := range Spec().Fields {
		if f.Name == fieldBufferMaxBytes {
			field = f
		}
	}
	if field == nil || field.Type != connector.TypeLongConfig || field.Default == nil || *field.Default != "4194304" {
		t.Fatalf("%s: %+v, want a LONG defaulting to 4194304", fieldBufferMaxBytes, field)
	}
	base := map[string]string{fieldBrokerURL: "tcp://h:1", fieldTopic: "f", connector.KeyName: "conn"}
	c, err := parseConfig(base)
	if err != nil || c.maxBytes != defaultBufferMaxBytes {
		t.Fatalf("default budget %v, %v", c, err)
	}
	base[fieldBufferMaxBytes] = "65536"
	if c, err := parseConfig(base); err != nil || c.maxBytes != 65536 {
		t.Fatalf("budget 65536: %v, %v", c, err)
	}
	base[fieldBufferMaxBytes] = "0"
	if _, err := parseConfig(base); err == nil || !strings.Contains(err.Error(), fieldBufferMaxBytes) {
		t.Fatalf("budget 0 accepted or not named: %v", err)
	}
}
