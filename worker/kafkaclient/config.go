// Package kafkaclient builds the worker's Kafka clients with sarama: it translates Kafka Connect's client
// properties (client settings, SASL/SCRAM with JAAS configs, TLS with PEM stores) into a sarama.Config for
// each kind of client the worker runs, and connects to the cluster.
package kafkaclient

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/xdg-go/scram"

	"github.com/connectd/connectd/worker/kafkalog"
	"github.com/connectd/connectd/worker/properties"
	"github.com/connectd/connectd/worker/tlschain"
)

// saramaVersion is the protocol level connectd speaks. Kafka 3.6 request versions are accepted by Kafka
// 2.x through 4.x (each connection still lowers versions to what its broker advertises) and by kfake.
var saramaVersion = sarama.V3_6_0_0

// Settings are the worker settings the Kafka clients are built from.
type Settings struct {
	// Properties is every worker property; producer.*, consumer.* and admin.* properties are applied only
	// through the overrides.
	Properties map[string]string
	// ProducerOverrides, ConsumerOverrides and AdminOverrides are the producer.*, consumer.* and admin.*
	// properties with the prefix removed.
	ProducerOverrides, ConsumerOverrides, AdminOverrides map[string]string
	// The worker's group timeouts, for the worker's own client.
	SessionTimeout, HeartbeatInterval, RebalanceTimeout time.Duration
	// Connector is a connector's client overrides for the kind built (producer.override.*,
	// consumer.override.* or admin.override.* with the prefix removed), applied over the worker's, as Kafka
	// Connect's Worker.producerConfigs and friends do. The caller has checked them against the override policy.
	Connector map[string]string
}

// Client is a client configuration built by Build, with what it was built from.
type Client struct {
	Config *sarama.Config
	// Set holds the client properties given for this client, worker and connector overrides merged, by Kafka
	// client property name, so that callers applying defaults of their own leave a given setting alone.
	Set map[string]string
	// Unsupported names the connector overrides (prefixed, as written) that connectd's clients do not apply,
	// sorted: Kafka client settings with no sarama equivalent, or keys no Kafka client knows.
	Unsupported []string
}

// connectorPrefixes are the connector config prefixes of the client overrides, by client kind.
var connectorPrefixes = map[string]string{"producer": "producer.override.", "consumer": "consumer.override.", "admin": "admin.override."}

// commonKeys are the client settings Build applies to every kind of client; producerKeys and consumerKeys
// those it applies to producers and consumers only. They list what applyProducer, applyConsumer and
// applySecurity read.
var (
	commonKeys = []string{"bootstrap.servers", "client.id", "request.timeout.ms", "metadata.max.age.ms",
		"retry.backoff.ms", "reconnect.backoff.ms", "socket.connection.setup.timeout.ms", "client.dns.lookup",
		"security.protocol", "sasl.mechanism", "sasl.jaas.config", "ssl.truststore.type", "ssl.truststore.location",
		"ssl.truststore.certificates", "ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.certificate.chain",
		"ssl.keystore.key", "ssl.endpoint.identification.algorithm", "ssl.enabled.protocols"}
	producerKeys = []string{"acks", "enable.idempotence", "max.in.flight.requests.per.connection", "retries",
		"compression.type", "linger.ms", "batch.size", "max.request.size", "transactional.id"}
	consumerKeys = []string{"auto.offset.reset", "enable.auto.commit", "auto.commit.interval.ms", "fetch.min.bytes",
		"fetch.max.bytes", "max.partition.fetch.bytes", "fetch.max.wait.ms", "isolation.level", "session.timeout.ms",
		"heartbeat.interval.ms", "max.poll.interval.ms", "group.instance.id", "group.id", "max.poll.records"}
)

// Supported reports whether connectd's clients of kind apply the client property key.
func Supported(kind, key string) bool {
	switch {
	case slices.Contains(commonKeys, key):
		return true
	case kind == "producer":
		return slices.Contains(producerKeys, key)
	case kind == "consumer":
		return slices.Contains(consumerKeys, key)
	}
	return false
}

// Config builds the configuration of one kind of Kafka client from the worker settings c:
//
//   - "" is the worker's own client (group membership and the internal-topic logs): the unprefixed
//     settings, group timeouts, and the internal-topic producer settings (kafkalog.ConfigureProducer);
//   - "producer" is a source task's producer: acks=all, one request in flight, no idempotence and the
//     Java partitioner as Connect's task producers, then producer.* overrides;
//   - "consumer" is a sink task's consumer: no auto commit, earliest reset, then consumer.* overrides;
//   - "admin" is the admin client: the unprefixed settings, then admin.* overrides.
//
// Applied settings: client.id, request.timeout.ms, metadata.max.age.ms, retry.backoff.ms,
// reconnect.backoff.ms (sarama's consumer retry backoff), socket.connection.setup.timeout.ms,
// client.dns.lookup, security.protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), sasl.mechanism (PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512) with the credentials from sasl.jaas.config, PEM trust and key stores
// (ssl.truststore.* and ssl.keystore.*), ssl.endpoint.identification.algorithm ("" verifies the
// certificate chain but not the host name) and ssl.enabled.protocols, plus the producer and consumer
// settings listed in applyProducer and applyConsumer. Other Kafka client settings are ignored. Errors
// name the property at fault; JKS and PKCS12 stores are reported as unsupported.
func Config(c Settings, kind string) (*sarama.Config, error) {
	b, err := Build(c, kind)
	return b.Config, err
}

// Build is Config, and also reports the properties set for the client and the connector overrides it cannot
// apply. Errors name the property at fault as written (e.g. producer.override.linger.ms).
func Build(c Settings, kind string) (Client, error) {
	var overrides map[string]string
	var prefix string
	switch kind {
	case "":
	case "producer":
		overrides, prefix = c.ProducerOverrides, "producer."
	case "consumer":
		overrides, prefix = c.ConsumerOverrides, "consumer."
	case "admin":
		overrides, prefix = c.AdminOverrides, "admin."
	default:
		return Client{}, fmt.Errorf("worker: unknown Kafka client kind %q", kind)
	}
	s := &clientSettings{values: map[string]string{}, names: map[string]string{}}
	for k, v := range c.Properties {
		if strings.HasPrefix(k, "producer.") || strings.HasPrefix(k, "consumer.") || strings.HasPrefix(k, "admin.") {
			continue
		}
		s.values[k], s.names[k] = v, k
	}
	for k, v := range overrides {
		s.values[k], s.names[k] = v, prefix+k
	}
	set := map[string]string{}
	for k, v := range overrides {
		set[k] = v
	}
	var unsupported []string
	for k, v := range c.Connector {
		s.values[k], s.names[k] = v, connectorPrefixes[kind]+k
		set[k] = v
		if !Supported(kind, k) {
			unsupported = append(unsupported, connectorPrefixes[kind]+k)
		}
	}
	slices.Sort(unsupported)

	cfg := sarama.NewConfig()
	cfg.Version = saramaVersion
	cfg.ClientID = "connectd"
	if id := strings.TrimSpace(s.values["client.id"]); id != "" {
		cfg.ClientID = id
	}
	// Java clients default to 30 s; the worker's own client reads the worker's 40 s default.
	requestTimeout := 30 * time.Second
	if kind == "" {
		requestTimeout = 40 * time.Second
	}
	requestTimeout = s.millis("request.timeout.ms", requestTimeout)
	cfg.Net.ReadTimeout = requestTimeout
	cfg.Admin.Timeout = requestTimeout
	cfg.Metadata.RefreshFrequency = s.millis("metadata.max.age.ms", 5*time.Minute)
	retryBackoff := s.millis("retry.backoff.ms", 100*time.Millisecond)
	cfg.Metadata.Retry.Backoff = retryBackoff
	cfg.Admin.Retry.Backoff = retryBackoff
	cfg.Consumer.Retry.Backoff = s.millis("reconnect.backoff.ms", 50*time.Millisecond)
	cfg.Net.DialTimeout = s.millis("socket.connection.setup.timeout.ms", 10*time.Second)
	if strings.TrimSpace(s.values["client.dns.lookup"]) == "resolve_canonical_bootstrap_servers_only" {
		cfg.Net.ResolveCanonicalBootstrapServers = true
	}

	switch kind {
	case "":
		cfg.Consumer.Group.Session.Timeout = c.SessionTimeout
		cfg.Consumer.Group.Heartbeat.Interval = c.HeartbeatInterval
		cfg.Consumer.Group.Rebalance.Timeout = c.RebalanceTimeout
		// A JoinGroup may be held by the coordinator for the whole rebalance timeout; Java waits
		// rebalance.timeout.ms + 5 s for it (AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE).
		cfg.Net.ReadTimeout = max(requestTimeout, c.RebalanceTimeout+5*time.Second)
		kafkalog.ConfigureProducer(cfg)
		cfg.Producer.Timeout = requestTimeout
		cfg.Producer.Retry.Backoff = retryBackoff
	case "producer":
		kafkalog.ConfigureProducer(cfg) // Connect's task producer: acks=all, max.in.flight=1, no idempotence
		cfg.Producer.Timeout = requestTimeout
		cfg.Producer.Retry.Backoff = retryBackoff
		s.applyProducer(cfg)
	case "consumer":
		cfg.Consumer.Offsets.AutoCommit.Enable = false
		cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
		cfg.Consumer.Return.Errors = true
		s.applyConsumer(cfg)
	}
	s.applySecurity(cfg)
	if len(s.problems) > 0 {
		return Client{}, errors.New(strings.Join(s.problems, "\n"))
	}
	if err := cfg.Validate(); err != nil {
		return Client{}, fmt.Errorf("kafka %s client configuration: %w", kindName(kind), err)
	}
	return Client{Config: cfg, Set: set, Unsupported: unsupported}, nil
}

func kindName(kind string) string {
	if kind == "" {
		return "worker"
	}
	return kind
}

// clientSettings are the effective client properties of one client kind; names maps each to the worker
// property it came from (e.g. acks ← producer.acks) for error messages.
type clientSettings struct {
	values   map[string]string
	names    map[string]string
	problems []string
}

func (s *clientSettings) invalid(key, msg string) {
	s.problems = append(s.problems, fmt.Sprintf("Invalid value %s for configuration %s: %s", s.values[key], s.names[key], msg))
}

func (s *clientSettings) str(key, def string) string {
	if v, ok := s.values[key]; ok {
		return strings.TrimSpace(v)
	}
	return def
}

func (s *clientSettings) integer(key string, def int64) int64 {
	v, ok := s.values[key]
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		s.invalid(key, "Not a number of type LONG")
		return def
	}
	if n < 0 {
		s.invalid(key, "Value must be at least 0")
		return def
	}
	return n
}

func (s *clientSettings) millis(key string, def time.Duration) time.Duration {
	return time.Duration(s.integer(key, int64(def/time.Millisecond))) * time.Millisecond
}

func (s *clientSettings) boolean(key string, def bool) bool {
	v, ok := s.values[key]
	if !ok {
		return def
	}
	if b, ok := properties.Bool(v); ok {
		return b
	}
	s.invalid(key, "Expected value to be either true or false")
	return def
}

// maxProducerRetries caps retries: sarama keeps per-partition state for every retry round, and Java's
// default (Integer.MAX_VALUE) would allocate gigabytes.
const maxProducerRetries = 100

// applyProducer maps producer settings: acks, enable.idempotence, max.in.flight.requests.per.connection,
// retries, compression.type, linger.ms, batch.size, max.request.size and transactional.id.
func (s *clientSettings) applyProducer(cfg *sarama.Config) {
	if _, ok := s.values["acks"]; ok {
		switch strings.ToLower(s.str("acks", "all")) {
		case "all", "-1":
			cfg.Producer.RequiredAcks = sarama.WaitForAll
		case "1":
			cfg.Producer.RequiredAcks = sarama.WaitForLocal
		case "0":
			cfg.Producer.RequiredAcks = sarama.NoResponse
		default:
			s.invalid("acks", "String must be one of: all, -1, 0, 1")
		}
	}
	if _, ok := s.values["max.in.flight.requests.per.connection"]; ok {
		n := s.integer("max.in.flight.requests.per.connection", 1)
		if n < 1 {
			s.invalid("max.in.flight.requests.per.connection", "Value must be at least 1")
		} else {
			cfg.Net.MaxOpenRequests = int(n)
		}
	}
	if s.boolean("enable.idempotence", false) {
		// sarama's idempotent producer needs exactly one request in flight (Java allows up to 5).
		cfg.Producer.Idempotent = true
		cfg.Net.MaxOpenRequests = 1
		cfg.Producer.RequiredAcks = sarama.WaitForAll
	}
	if _, ok := s.values["retries"]; ok {
		cfg.Producer.Retry.Max = int(min(s.integer("retries", 10), maxProducerRetries))
	}
	if _, ok := s.values["compression.type"]; ok {
		switch strings.ToLower(s.str("compression.type", "none")) {
		case "none":
			cfg.Producer.Compression = sarama.CompressionNone
		case "gzip":
			cfg.Producer.Compression = sarama.CompressionGZIP
		case "snappy":
			cfg.Producer.Compression = sarama.CompressionSnappy
		case "lz4":
			cfg.Producer.Compression = sarama.CompressionLZ4
		case "zstd":
			cfg.Producer.Compression = sarama.CompressionZSTD
		default:
			s.invalid("compression.type", "String must be one of: none, gzip, snappy, lz4, zstd")
		}
	}
	cfg.Producer.Flush.Frequency = s.millis("linger.ms", 0)
	if n := s.integer("batch.size", 0); n > 0 {
		cfg.Producer.Flush.Bytes = int(n)
	}
	if n := s.integer("max.request.size", 0); n > 0 {
		cfg.Producer.MaxMessageBytes = int(n)
	}
	if id := s.str("transactional.id", ""); id != "" {
		cfg.Producer.Transaction.ID = id
		cfg.Producer.Idempotent = true
		cfg.Net.MaxOpenRequests = 1
		cfg.Producer.RequiredAcks = sarama.WaitForAll
	}
}

// applyConsumer maps consumer settings: auto.offset.reset, enable.auto.commit, auto.commit.interval.ms,
// fetch.min.bytes, fetch.max.bytes, max.partition.fetch.bytes, fetch.max.wait.ms, isolation.level,
// session.timeout.ms, heartbeat.interval.ms, max.poll.interval.ms and group.instance.id.
func (s *clientSettings) applyConsumer(cfg *sarama.Config) {
	if _, ok := s.values["auto.offset.reset"]; ok {
		switch strings.ToLower(s.str("auto.offset.reset", "earliest")) {
		case "earliest":
			cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
		case "latest":
			cfg.Consumer.Offsets.Initial = sarama.OffsetNewest
		default:
			s.invalid("auto.offset.reset", "String must be one of: earliest, latest (none is not supported)")
		}
	}
	cfg.Consumer.Offsets.AutoCommit.Enable = s.boolean("enable.auto.commit", false)
	cfg.Consumer.Offsets.AutoCommit.Interval = s.millis("auto.commit.interval.ms", 5*time.Second)
	if n := s.integer("fetch.min.bytes", 1); n > 0 {
		cfg.Consumer.Fetch.Min = int32(min(n, 1<<31-1))
	}
	if n := s.integer("fetch.max.bytes", 0); n > 0 {
		cfg.Consumer.Fetch.MaxBytes = int32(min(n, 1<<31-1))
	}
	if n := s.integer("max.partition.fetch.bytes", 0); n > 0 {
		cfg.Consumer.Fetch.Default = int32(min(n, 1<<31-1))
	}
	if _, ok := s.values["fetch.max.wait.ms"]; ok {
		cfg.Consumer.MaxWaitTime = s.millis("fetch.max.wait.ms", 500*time.Millisecond)
	}
	if _, ok := s.values["isolation.level"]; ok {
		switch strings.ToLower(s.str("isolation.level", "read_uncommitted")) {
		case "read_uncommitted":
			cfg.Consumer.IsolationLevel = sarama.ReadUncommitted
		case "read_committed":
			cfg.Consumer.IsolationLevel = sarama.ReadCommitted
		default:
			s.invalid("isolation.level", "String must be one of: read_committed, read_uncommitted")
		}
	}
	cfg.Consumer.Group.Session.Timeout = s.millis("session.timeout.ms", 45*time.Second)
	cfg.Consumer.Group.Heartbeat.Interval = s.millis("heartbeat.interval.ms", 3*time.Second)
	cfg.Consumer.Group.Rebalance.Timeout = s.millis("max.poll.interval.ms", 5*time.Minute)
	cfg.Consumer.Group.InstanceId = s.str("group.instance.id", "")
}

// applySecurity maps security.protocol and the SASL and TLS settings.
func (s *clientSettings) applySecurity(cfg *sarama.Config) {
	protocol := strings.ToUpper(s.str("security.protocol", "PLAINTEXT"))
	var useTLS, useSASL bool
	switch protocol {
	case "PLAINTEXT":
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useTLS, useSASL = true, true
	default:
		s.invalid("security.protocol", "String must be one of (case insensitive): PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL")
		return
	}
	if useSASL {
		s.applySASL(cfg)
	}
	if useTLS {
		if tc := s.tlsConfig(); tc != nil {
			cfg.Net.TLS.Enable = true
			cfg.Net.TLS.Config = tc
		}
	}
}

func (s *clientSettings) applySASL(cfg *sarama.Config) {
	mechanism := strings.ToUpper(s.str("sasl.mechanism", "GSSAPI"))
	switch mechanism {
	case "PLAIN":
		cfg.Net.SASL.Mechanism = sarama.SASLTypePlaintext
	case "SCRAM-SHA-256":
		cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
		cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.SHA256} }
	case "SCRAM-SHA-512":
		cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
		cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.SHA512} }
	default:
		if _, set := s.values["sasl.mechanism"]; !set {
			s.problems = append(s.problems, fmt.Sprintf("%s uses SASL but sasl.mechanism is not set, and Kafka's "+
				"default (GSSAPI) is not supported: set sasl.mechanism to PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
				s.names["security.protocol"]))
			return
		}
		s.invalid("sasl.mechanism", "only PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 are supported")
		return
	}
	jaas, ok := s.values["sasl.jaas.config"]
	if !ok || strings.TrimSpace(jaas) == "" {
		s.problems = append(s.problems, fmt.Sprintf("Missing required configuration %q for sasl.mechanism=%s: "+
			`set it to org.apache.kafka.common.security.plain.PlainLoginModule required username="..." password="...";`,
			nameOr(s.names, "sasl.jaas.config"), mechanism))
		return
	}
	module, opts, err := parseJAASConfig(jaas)
	if err != nil {
		// The value holds a password: never echo it.
		s.problems = append(s.problems, fmt.Sprintf("Invalid value for configuration %s: %v", s.names["sasl.jaas.config"], err))
		return
	}
	switch module {
	case "org.apache.kafka.common.security.plain.PlainLoginModule", "org.apache.kafka.common.security.scram.ScramLoginModule":
	default:
		s.problems = append(s.problems, fmt.Sprintf("Invalid value for configuration %s: login module %s is not "+
			"supported; use PlainLoginModule or ScramLoginModule", s.names["sasl.jaas.config"], module))
		return
	}
	if opts["username"] == "" || opts["password"] == "" {
		s.problems = append(s.problems, fmt.Sprintf("Invalid value for configuration %s: username and password "+
			"options are required", s.names["sasl.jaas.config"]))
		return
	}
	cfg.Net.SASL.Enable = true
	cfg.Net.SASL.Handshake = true
	cfg.Net.SASL.User = opts["username"]
	cfg.Net.SASL.Password = opts["password"]
}

func nameOr(names map[string]string, key string) string {
	if n, ok := names[key]; ok {
		return n
	}
	return key
}

// scramClient adapts xdg-go/scram to sarama.
type scramClient struct {
	hash scram.HashGeneratorFcn
	conv *scram.ClientConversation
}

func (c *scramClient) Begin(user, password, authzID string) error {
	client, err := c.hash.NewClient(user, password, authzID)
	if err != nil {
		return err
	}
	c.conv = client.NewConversation()
	return nil
}

func (c *scramClient) Step(challenge string) (string, error) { return c.conv.Step(challenge) }
func (c *scramClient) Done() bool                            { return c.conv.Done() }

// parseJAASConfig reads the first login module of a sasl.jaas.config value:
// `<class> <required|requisite|sufficient|optional> key=value ... ;` where values are words or double
// quoted strings with backslash escapes, and // and /* */ comments are allowed (Kafka's JaasConfig).
// Errors never contain option values.
func parseJAASConfig(v string) (module string, opts map[string]string, err error) {
	toks, err := jaasTokens(v)
	if err != nil {
		return "", nil, err
	}
	if len(toks) < 2 || toks[0].quoted || toks[1].quoted {
		return "", nil, errors.New("expected a login module class followed by a control flag")
	}
	module = toks[0].text
	switch strings.ToLower(toks[1].text) {
	case "required", "requisite", "sufficient", "optional":
	default:
		return "", nil, fmt.Errorf("invalid control flag %q for login module %s", toks[1].text, module)
	}
	opts = map[string]string{}
	i := 2
	for ; i < len(toks) && !(toks[i].text == ";" && !toks[i].quoted); i += 3 {
		if i+2 >= len(toks) || toks[i].quoted || toks[i+1].text != "=" || toks[i+1].quoted {
			return "", nil, fmt.Errorf("expected key=value option in login module %s", module)
		}
		opts[toks[i].text] = toks[i+2].text
	}
	if i >= len(toks) {
		return "", nil, fmt.Errorf("login module %s is not terminated by ';'", module)
	}
	return module, opts, nil
}

type jaasToken struct {
	text   string
	quoted bool
}

func jaasTokens(v string) ([]jaasToken, error) {
	var toks []jaasToken
	r := []rune(v)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '/' && i+1 < len(r) && r[i+1] == '/':
			for i < len(r) && r[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(r) && r[i+1] == '*':
			end := strings.Index(string(r[i+2:]), "*/")
			if end < 0 {
				return nil, errors.New("unterminated comment")
			}
			i += 2 + len([]rune(string(r[i+2:])[:end])) + 2
		case c == '=' || c == ';':
			toks = append(toks, jaasToken{text: string(c)})
			i++
		case c == '"':
			var b strings.Builder
			i++
			for ; i < len(r) && r[i] != '"'; i++ {
				if r[i] == '\\' && i+1 < len(r) {
					i++
					switch r[i] {
					case 'n':
						b.WriteRune('\n')
					case 't':
						b.WriteRune('\t')
					case 'r':
						b.WriteRune('\r')
					default:
						b.WriteRune(r[i])
					}
					continue
				}
				b.WriteRune(r[i])
			}
			if i >= len(r) {
				return nil, errors.New("unterminated quoted value")
			}
			i++
			toks = append(toks, jaasToken{text: b.String(), quoted: true})
		default:
			start := i
			for i < len(r) && !strings.ContainsRune(" \t\n\r\f=;\"", r[i]) {
				i++
			}
			toks = append(toks, jaasToken{text: string(r[start:i])})
		}
	}
	return toks, nil
}

// tlsConfig builds the client TLS configuration from the ssl.* settings; nil after a problem.
func (s *clientSettings) tlsConfig() *tls.Config {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if protocols, ok := s.values["ssl.enabled.protocols"]; ok {
		versions := map[string]uint16{"TLSv1": tls.VersionTLS10, "TLSv1.1": tls.VersionTLS11,
			"TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13}
		tc.MinVersion, tc.MaxVersion = 0, 0
		for _, p := range properties.List(protocols) {
			v, ok := versions[p]
			if !ok {
				s.invalid("ssl.enabled.protocols", "supported protocols are TLSv1, TLSv1.1, TLSv1.2 and TLSv1.3")
				return nil
			}
			if tc.MinVersion == 0 || v < tc.MinVersion {
				tc.MinVersion = v
			}
			tc.MaxVersion = max(tc.MaxVersion, v)
		}
	}
	roots, ok := s.trustStore()
	if !ok {
		return nil
	}
	tc.RootCAs = roots
	cert, ok := s.keyStore()
	if !ok {
		return nil
	}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	if s.str("ssl.endpoint.identification.algorithm", "https") == "" {
		// Kafka turns off host name verification only; the chain is still checked.
		tlschain.VerifyWithoutHostname(tc, roots, "broker")
	}
	return tc
}

// storeType returns the upper-cased ssl.*store.type, or "" when unset (Java's default is JKS; an unset
// type is accepted when the store's content is PEM).
func (s *clientSettings) storeType(key string) string {
	return strings.ToUpper(s.str(key, ""))
}

// pemStore returns the PEM text of a store given inline or as a file; ok is false after a problem.
func (s *clientSettings) pemStore(typeKey, locationKey string, inline ...string) (data []byte, ok bool) {
	typ := s.storeType(typeKey)
	var inlineSet bool
	for _, k := range inline {
		if s.str(k, "") != "" {
			inlineSet = true
		}
	}
	location := s.str(locationKey, "")
	if !inlineSet && location == "" {
		return nil, true
	}
	if typ != "" && typ != "PEM" {
		s.invalid(typeKey, fmt.Sprintf("%s stores are not supported: convert the store to PEM and set %s=PEM", typ, s.names[typeKey]))
		return nil, false
	}
	if inlineSet {
		return nil, true // the caller reads the inline keys
	}
	data, err := os.ReadFile(location)
	if err != nil {
		s.invalid(locationKey, fmt.Sprintf("cannot read the store: %v", err))
		return nil, false
	}
	if !strings.Contains(string(data), "-----BEGIN ") {
		s.invalid(locationKey, fmt.Sprintf("the file is not PEM; JKS and PKCS12 stores are not supported: "+
			"convert it to PEM and set %s=PEM", nameOr(s.names, typeKey)))
		return nil, false
	}
	return data, true
}

// trustStore returns the CA pool from ssl.truststore.certificates or ssl.truststore.location; nil means
// the system roots.
func (s *clientSettings) trustStore() (*x509.CertPool, bool) {
	data, ok := s.pemStore("ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.certificates")
	if !ok {
		return nil, false
	}
	key := "ssl.truststore.location"
	if inline := s.str("ssl.truststore.certificates", ""); inline != "" {
		data, key = []byte(inline), "ssl.truststore.certificates"
	}
	if data == nil {
		return nil, true
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		s.problems = append(s.problems, fmt.Sprintf("Invalid value for configuration %s: no PEM certificate found", s.names[key]))
		return nil, false
	}
	return pool, true
}

// keyStore returns the client certificate from ssl.keystore.certificate.chain and ssl.keystore.key, or
// from a PEM file holding both at ssl.keystore.location; nil when none is configured.
func (s *clientSettings) keyStore() (*tls.Certificate, bool) {
	data, ok := s.pemStore("ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.certificate.chain", "ssl.keystore.key")
	if !ok {
		return nil, false
	}
	chain, key := []byte(s.str("ssl.keystore.certificate.chain", "")), []byte(s.str("ssl.keystore.key", ""))
	where := "ssl.keystore.certificate.chain/ssl.keystore.key"
	switch {
	case len(chain) > 0 || len(key) > 0:
		if len(chain) == 0 || len(key) == 0 {
			s.problems = append(s.problems, "ssl.keystore.certificate.chain and ssl.keystore.key must be set together")
			return nil, false
		}
	case data != nil:
		chain, key, where = data, data, s.names["ssl.keystore.location"]
	default:
		return nil, true
	}
	if block, _ := pem.Decode(keyBlock(key)); block != nil && (block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED")) {
		s.problems = append(s.problems, fmt.Sprintf("%s: encrypted private keys (ssl.key.password) are not supported; "+
			"provide an unencrypted PKCS#8 key", where))
		return nil, false
	}
	cert, err := tls.X509KeyPair(chain, key)
	if err != nil {
		s.problems = append(s.problems, fmt.Sprintf("%s: cannot load the client certificate and key: %v", where, err))
		return nil, false
	}
	return &cert, true
}

// keyBlock returns the PEM text from the first private key block on.
func keyBlock(data []byte) []byte {
	if i := strings.Index(string(data), "-----BEGIN "); i >= 0 {
		rest := data[i:]
		for len(rest) > 0 {
			block, next := pem.Decode(rest)
			if block == nil {
				break
			}
			if strings.Contains(block.Type, "PRIVATE KEY") {
				return rest
			}
			rest = next
		}
	}
	return nil
}
