package config

import (
	"errors"
	"maps"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/worker/properties"
	"github.com/connectd/connectd/worker/resttls/resttlstest"
)

// minimalWorkerProps is the smallest valid distributed-worker configuration.
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

func mustParseWorkerConfig(t *testing.T, props map[string]string) (Config, []string) {
	t.Helper()
	c, warnings, err := ParseConfig(props)
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	return c, warnings
}

func TestParseConfigDefaults(t *testing.T) {
	c, warnings := mustParseWorkerConfig(t, minimalWorkerProps())
	if len(warnings) != 0 {
		t.Errorf("warnings for a minimal config: %q", warnings)
	}
	want := Config{
		BootstrapServers: []string{"localhost:9092"},
		GroupID:          "connect-cluster",
		ConfigTopic:      "connect-configs", OffsetTopic: "connect-offsets", StatusTopic: "connect-status",
		ConfigReplicationFactor: 3, OffsetReplicationFactor: 3, StatusReplicationFactor: 3,
		OffsetPartitions: 25, StatusPartitions: 5,
		ConfigTopicSettings: map[string]string{}, OffsetTopicSettings: map[string]string{}, StatusTopicSettings: map[string]string{},
		KeyConverter:       "org.apache.kafka.connect.json.JsonConverter",
		ValueConverter:     "org.apache.kafka.connect.json.JsonConverter",
		HeaderConverter:    "org.apache.kafka.connect.storage.SimpleHeaderConverter",
		KeyConverterConfig: map[string]string{}, ValueConverterConfig: map[string]string{}, HeaderConverterConfig: map[string]string{},
		Listeners:                         []Listener{{Scheme: "http", Port: 8083}},
		HeartbeatInterval:                 3 * time.Second,
		SessionTimeout:                    10 * time.Second,
		RebalanceTimeout:                  time.Minute,
		WorkerSyncTimeout:                 3 * time.Second,
		WorkerUnsyncBackoff:               5 * time.Minute,
		ScheduledRebalanceMaxDelay:        5 * time.Minute,
		ConnectProtocol:                   "sessioned",
		InterWorkerKeyTTL:                 time.Hour,
		InterWorkerSignatureAlgorithm:     "HmacSHA256",
		InterWorkerVerificationAlgorithms: []string{"HmacSHA256"},
		InterWorkerKeyGenerationAlgorithm: "HmacSHA256",
		ExactlyOnceSourceSupport:          "disabled",
		OffsetFlushInterval:               time.Minute,
		OffsetFlushTimeout:                5 * time.Second,
		TaskShutdownGracefulTimeout:       5 * time.Second,
		TopicCreationEnable:               true, TopicTrackingEnable: true, TopicTrackingAllowReset: true,
		ConnectorClientConfigOverridePolicy: "All",
		ProducerOverrides:                   map[string]string{}, ConsumerOverrides: map[string]string{}, AdminOverrides: map[string]string{},
		ProducerBufferMemory: 33554432,
		SpoolDir:             filepath.Join(os.TempDir(), "connectd-spool", "connect-cluster"),
		SpoolDirDefault:      true,
		RestUIEnable:         true,
		Raw:                  minimalWorkerProps(),
	}
	if c.Providers == nil || len(c.Providers.Names()) != 0 {
		t.Fatalf("providers of a minimal config: %v", c.Providers.Names())
	}
	c.Providers = nil
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
}

func TestParseConfigValues(t *testing.T) {
	props := withWorkerProps(minimalWorkerProps(),
		"bootstrap.servers", " kafka1:9093, kafka2:9093 ,kafka3:9093",
		"client.id", "w1",
		"config.storage.replication.factor", "-1",
		"offset.storage.replication.factor", "1",
		"offset.storage.partitions", "-1",
		"status.storage.partitions", "3",
		"offset.storage.min.insync.replicas", "2",
		"config.storage.partitions", "4",
		"status.storage.cleanup.policy", "delete",
		"key.converter.schemas.enable", "false",
		"value.converter.schemas.enable", "true",
		"header.converter", "org.apache.kafka.connect.converters.ByteArrayConverter",
		"listeners", "HTTP://myhost:8083, https://[::1]:8443",
		"admin.listeners", "",
		"rest.advertised.host.name", "connect1",
		"rest.advertised.port", "18083",
		"rest.advertised.listener", "HTTPS",
		"heartbeat.interval.ms", "1000",
		"session.timeout.ms", " 30000 ",
		"connect.protocol", "Compatible",
		"inter.worker.key.generation.algorithm", "hmacsha512",
		"inter.worker.signature.algorithm", "HmacSHA512",
		"inter.worker.verification.algorithms", "HmacSHA256, HMACSHA512",
		"inter.worker.key.size", "512",
		"exactly.once.source.support", "ENABLED",
		"offset.flush.interval.ms", "10000",
		"topic.tracking.enable", "FALSE",
		"producer.acks", "1",
		"consumer.max.poll.records", "10",
		"admin.request.timeout.ms", "5000",
		"admin.listeners.https.ssl.keystore.type", "PEM",
		"listeners.https.ssl.keystore.location", resttlstest.Generate(t, t.TempDir()).ServerPEM,
		"access.control.allow.origin", "*",
		"response.http.headers.config", `add Cache-Control: no-cache, "set X-Frame-Options: DENY"`,
		"plugin.path", "/usr/share/java,/opt/plugins",
		"spool.dir", "/var/lib/connectd/spool",
		"rest.ui.enable", "FALSE",
	)
	c, warnings := mustParseWorkerConfig(t, props)
	checks := []struct {
		name      string
		got, want any
	}{
		{"bootstrap", c.BootstrapServers, []string{"kafka1:9093", "kafka2:9093", "kafka3:9093"}},
		{"client id", c.ClientID, "w1"},
		{"config rf", c.ConfigReplicationFactor, int16(-1)},
		{"offset rf", c.OffsetReplicationFactor, int16(1)},
		{"offset partitions", c.OffsetPartitions, int32(-1)},
		{"status partitions", c.StatusPartitions, int32(3)},
		{"offset settings", c.OffsetTopicSettings, map[string]string{"min.insync.replicas": "2"}},
		{"config settings", c.ConfigTopicSettings, map[string]string{}},
		{"status settings", c.StatusTopicSettings, map[string]string{}},
		{"key converter config", c.KeyConverterConfig, map[string]string{"schemas.enable": "false"}},
		{"value converter config", c.ValueConverterConfig, map[string]string{"schemas.enable": "true"}},
		{"header converter", c.HeaderConverter, "org.apache.kafka.connect.converters.ByteArrayConverter"},
		{"listeners", c.Listeners, []Listener{{"http", "myhost", 8083}, {"https", "::1", 8443}}},
		{"admin listeners", c.AdminListeners, []Listener{}},
		{"admin listeners set", c.AdminListenersSet, true},
		{"advertised", []any{c.AdvertisedHost, c.AdvertisedPort, c.AdvertisedListener}, []any{"connect1", 18083, "https"}},
		{"heartbeat", c.HeartbeatInterval, time.Second},
		{"session", c.SessionTimeout, 30 * time.Second},
		{"protocol", c.ConnectProtocol, "compatible"},
		{"key algorithm", c.InterWorkerKeyGenerationAlgorithm, "HmacSHA512"},
		{"verification", c.InterWorkerVerificationAlgorithms, []string{"HmacSHA256", "HmacSHA512"}},
		{"key size", c.InterWorkerKeySize, 512},
		{"eos", c.ExactlyOnceSourceSupport, "enabled"},
		{"flush", c.OffsetFlushInterval, 10 * time.Second},
		{"tracking", c.TopicTrackingEnable, false},
		{"producer overrides", c.ProducerOverrides, map[string]string{"acks": "1"}},
		{"consumer overrides", c.ConsumerOverrides, map[string]string{"max.poll.records": "10"}},
		{"admin overrides", c.AdminOverrides, map[string]string{"request.timeout.ms": "5000"}},
		{"cors", c.AccessControlAllowOrigin, "*"},
		{"plugin path", c.PluginPath, []string{"/usr/share/java", "/opt/plugins"}},
		{"spool dir", []any{c.SpoolDir, c.SpoolDirDefault}, []any{"/var/lib/connectd/spool", false}},
		{"console", c.RestUIEnable, false},
		{"raw", c.Raw, props},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	wantWarnings := []string{
		"Ignoring 'config.storage.partitions=4' setting, since config topic partitions is always 1",
		"Ignoring 'status.storage.cleanup.policy=delete' setting, since compaction is always used",
	}
	if !slices.Equal(warnings, wantWarnings) {
		t.Errorf("warnings = %q\nwant %q", warnings, wantWarnings)
	}
}

func TestParseConfigMissingRequired(t *testing.T) {
	_, _, err := ParseConfig(map[string]string{})
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("err = %v, want a *Error", err)
	}
	want := []string{
		`Missing required configuration "group.id" which has no default value.`,
		`Missing required configuration "config.storage.topic" which has no default value.`,
		`Missing required configuration "offset.storage.topic" which has no default value.`,
		`Missing required configuration "status.storage.topic" which has no default value.`,
		`Missing required configuration "key.converter" which has no default value.`,
		`Missing required configuration "value.converter" which has no default value.`,
	}
	if !slices.Equal(cerr.Problems, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(cerr.Problems, "\n"), strings.Join(want, "\n"))
	}
	if err.Error() != strings.Join(want, "\n") {
		t.Fatalf("Error() = %q", err.Error())
	}
}

func TestParseConfigInvalidValues(t *testing.T) {
	tests := []struct {
		kv   []string
		want string
	}{
		{[]string{"session.timeout.ms", "abc"}, "Invalid value abc for configuration session.timeout.ms: Not a number of type INT"},
		{[]string{"session.timeout.ms", "3000000000"}, "Invalid value 3000000000 for configuration session.timeout.ms: Not a number of type INT"},
		{[]string{"offset.flush.interval.ms", "1.5"}, "Invalid value 1.5 for configuration offset.flush.interval.ms: Not a number of type LONG"},
		{[]string{"config.storage.replication.factor", "40000"}, "Invalid value 40000 for configuration config.storage.replication.factor: Not a number of type SHORT"},
		{[]string{"config.storage.replication.factor", "0"}, "Invalid value 0 for configuration config.storage.replication.factor: Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"},
		{[]string{"status.storage.partitions", "-2"}, "Invalid value -2 for configuration status.storage.partitions: Number of partitions must be positive, or -1 to use the broker's default"},
		{[]string{"topic.tracking.enable", "yes"}, "Invalid value yes for configuration topic.tracking.enable: Expected value to be either true or false"},
		{[]string{"rest.ui.enable", "off"}, "Invalid value off for configuration rest.ui.enable: Expected value to be either true or false"},
		{[]string{"connect.protocol", "cooperative"}, "Invalid value cooperative for configuration connect.protocol: Invalid Connect protocol compatibility"},
		{[]string{"exactly.once.source.support", "maybe"}, "Invalid value maybe for configuration exactly.once.source.support: String must be one of (case insensitive): disabled, preparing, enabled"},
		{[]string{"security.protocol", "TLS"}, "Invalid value TLS for configuration security.protocol: String must be one of (case insensitive): PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"},
		{[]string{"listeners", "ftp://host:21"}, `Invalid value ftp://host:21 for configuration listeners: Listener protocol must be either "http" or "https".`},
		{[]string{"listeners", "localhost:8083"}, "Invalid value localhost:8083 for configuration listeners: Listener doesn't have the right format (protocol://hostname:port)."},
		{[]string{"listeners", "http://:8083,"}, "Invalid value http://:8083, for configuration listeners: Empty URL found when parsing listeners list."},
		{[]string{"listeners", " "}, "Invalid value for listeners, at least one URL is expected, ex: http://localhost:8080,https://localhost:8443."},
		{[]string{"listeners", "http://:70000"}, "Invalid value http://:70000 for configuration listeners: Listener port must be between 0 and 65535."},
		{[]string{"admin.listeners", "http//x:1"}, "Invalid value http//x:1 for configuration admin.listeners: Listener doesn't have the right format (protocol://hostname:port)."},
		{[]string{"rest.advertised.listener", "ftp"}, "Invalid value ftp for configuration rest.advertised.listener: String must be one of (case insensitive): http, https"},
		{[]string{"rest.advertised.port", "x"}, "Invalid value x for configuration rest.advertised.port: Not a number of type INT"},
		{[]string{"rest.port", "x"}, "Invalid value x for configuration rest.port: Not a number of type INT"},
		{[]string{"group.id", " "}, "Invalid value   for configuration group.id: String must be non-empty"},
		{[]string{"key.converter", ""}, "Invalid value  for configuration key.converter: Class  could not be found."},
		{[]string{"inter.worker.signature.algorithm", "HmacSHA384"}, "Invalid value HmacSHA384 for configuration inter.worker.signature.algorithm: Signature algorithm must be present in inter.worker.verification.algorithms list"},
		{[]string{"inter.worker.key.generation.algorithm", "AES"}, "Invalid value AES for configuration inter.worker.key.generation.algorithm: the algorithm is not supported by this worker; the supported algorithms are: [HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512]"},
		{[]string{"inter.worker.verification.algorithms", ""}, "Invalid value [] for configuration inter.worker.verification.algorithms: At least one signature verification algorithm must be provided"},
		{[]string{"inter.worker.key.size", "8"}, "Invalid value 8 for configuration inter.worker.key.size: Unable to create key generator with algorithm HmacSHA256 and key size 8: Key length must be at least 40 bits"},
		{[]string{"worker.sync.timeout.ms", "-1"}, "Invalid value -1 for configuration worker.sync.timeout.ms: Value must be at least 0"},
		{[]string{"response.http.headers.config", "add"}, "Invalid value add for configuration response.http.headers.config: Invalid format of header config 'add'. Expected: '[action] [header name]:[header value]'"},
		{[]string{"response.http.headers.config", "put X:y"}, "Invalid value put X:y for configuration response.http.headers.config: Invalid header config action: 'put'. Expected one of [set, add, setDate, addDate]"},
		{[]string{"plugin.discovery", "scan"}, "Invalid value scan for configuration plugin.discovery: String must be one of (case insensitive): only_scan, hybrid_warn, hybrid_fail, service_load"},
		{[]string{"producer.acks", "2"}, "Invalid value 2 for configuration producer.acks: String must be one of: all, -1, 0, 1"},
		{[]string{"producer.buffer.memory", "0"}, "Invalid value 0 for configuration producer.buffer.memory: Value must be at least 1"},
		{[]string{"producer.buffer.memory", "lots"}, "Invalid value lots for configuration producer.buffer.memory: Not a number of type LONG"},
	}
	for _, tt := range tests {
		_, _, err := ParseConfig(withWorkerProps(minimalWorkerProps(), tt.kv...))
		var cerr *Error
		if !errors.As(err, &cerr) {
			t.Errorf("%v: err = %v, want a *Error", tt.kv, err)
			continue
		}
		if !slices.Contains(cerr.Problems, tt.want) {
			t.Errorf("%v: problems\n%s\ndo not contain\n%s", tt.kv, strings.Join(cerr.Problems, "\n"), tt.want)
		}
	}
}

func TestParseConfigCollectsEveryProblem(t *testing.T) {
	props := withWorkerProps(minimalWorkerProps(), "session.timeout.ms", "x", "heartbeat.interval.ms", "y", "listeners", "bad")
	delete(props, "group.id")
	_, _, err := ParseConfig(props)
	var cerr *Error
	if !errors.As(err, &cerr) || len(cerr.Problems) != 4 {
		t.Fatalf("err = %v, want 4 problems", err)
	}
	for _, key := range []string{"group.id", "session.timeout.ms", "heartbeat.interval.ms", "listeners"} {
		if !slices.ContainsFunc(cerr.Problems, func(p string) bool { return strings.Contains(p, key) }) {
			t.Errorf("no problem names %s: %q", key, cerr.Problems)
		}
	}
}

func TestParseConfigRestPort(t *testing.T) {
	tests := []struct {
		name     string
		kv       []string
		want     []Listener
		warnings []string
	}{
		{"rest.port alone", []string{"rest.port", "8084"}, []Listener{{"http", "", 8084}}, nil},
		{"rest.host.name alone", []string{"rest.host.name", "10.0.0.5"}, []Listener{{"http", "10.0.0.5", 8083}}, nil},
		{"both", []string{"rest.port", "9000", "rest.host.name", "h"}, []Listener{{"http", "h", 9000}}, nil},
		{"listeners win", []string{"rest.port", "9000", "listeners", "http://:8085"}, []Listener{{"http", "", 8085}},
			[]string{"worker configuration key rest.port is ignored because listeners is set"}},
	}
	for _, tt := range tests {
		c, warnings := mustParseWorkerConfig(t, withWorkerProps(minimalWorkerProps(), tt.kv...))
		if !reflect.DeepEqual(c.Listeners, tt.want) {
			t.Errorf("%s: listeners = %v, want %v", tt.name, c.Listeners, tt.want)
		}
		if !slices.Equal(warnings, tt.warnings) {
			t.Errorf("%s: warnings = %q, want %q", tt.name, warnings, tt.warnings)
		}
	}
}

func TestParseConfigWarnings(t *testing.T) {
	props := withWorkerProps(minimalWorkerProps(),
		"foo.bar", "1",
		"internal.key.converter", "org.apache.kafka.connect.json.JsonConverter",
		"internal.key.converter.schemas.enable", "false",
		"config.providers", "file",
		"config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider",
		"plugin.path", "/usr/share/java",
		"log4j.root.loglevel", "INFO",
		"ssl.truststore.password", "x",
		"sasl.login.class", "x",
		"metrics.num.samples", "2",
		"zzz", "1",
	)
	_, warnings := mustParseWorkerConfig(t, props)
	want := []string{
		"The worker has been configured with one or more internal converter properties ([internal.key.converter, " +
			"internal.key.converter.schemas.enable]). Support for these properties was deprecated in version 2.0 and " +
			"removed in version 3.0, and specifying them will have no effect. Instead, an instance of the JsonConverter " +
			"with schemas.enable set to false will be used.",
		"unknown worker configuration key foo.bar is ignored",
		"unknown worker configuration key zzz is ignored",
	}
	if !slices.Equal(warnings, want) {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
}

// seedComposeEnviron is the kafka-connect1 service of the user's docker-compose.yml (seeds/000: "Kafka Connect 분산
// 모드 구성"), verbatim, with the .env values the post's commands show (internal listener 9093, REST 8083,
// replication factor 3), plus CONNECT_PLUGIN_PATH from the post's Dockerfile. The post's block has no
// CONNECT_*_STORAGE_TOPIC variables.
var seedComposeEnviron = []string{
	"CONNECT_BOOTSTRAP_SERVERS=kafka1:9093,kafka2:9093,kafka3:9093",
	"CONNECT_REST_ADVERTISED_HOST_NAME=kafka-connect1",
	"CONNECT_REST_PORT=8083",
	"CONNECT_GROUP_ID=vehicle-connect-group",
	"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=3",
	"CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=3",
	"CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=3",
	"CONNECT_KEY_CONVERTER=org.apache.kafka.connect.storage.StringConverter",
	"CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.storage.StringConverter",
	"CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE=false",
	"CONNECT_PLUGIN_PATH=/usr/share/java,/home/appuser/camel-kafka-connectors",
	"PATH=/usr/bin",
	"KAFKA_JMX_PORT=9999",
}

func TestSeedEnvironmentWithoutTopicsIsRejectedAsKafkaWould(t *testing.T) {
	_, _, err := ParseConfig(properties.FromEnv(seedComposeEnviron, "CONNECT_"))
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("err = %v, want a *Error", err)
	}
	want := []string{
		`Missing required configuration "config.storage.topic" which has no default value.`,
		`Missing required configuration "offset.storage.topic" which has no default value.`,
		`Missing required configuration "status.storage.topic" which has no default value.`,
	}
	if !slices.Equal(cerr.Problems, want) {
		t.Fatalf("problems = %q, want %q", cerr.Problems, want)
	}
}

func TestSeedEnvironmentMapsToConfig(t *testing.T) {
	environ := append(slices.Clone(seedComposeEnviron),
		"CONNECT_CONFIG_STORAGE_TOPIC=connect-configs",
		"CONNECT_OFFSET_STORAGE_TOPIC=connect-offsets",
		"CONNECT_STATUS_STORAGE_TOPIC=connect-status",
	)
	c, warnings := mustParseWorkerConfig(t, properties.FromEnv(environ, "CONNECT_"))
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"bootstrap", c.BootstrapServers, []string{"kafka1:9093", "kafka2:9093", "kafka3:9093"}},
		{"group", c.GroupID, "vehicle-connect-group"},
		{"topics", []string{c.ConfigTopic, c.OffsetTopic, c.StatusTopic}, []string{"connect-configs", "connect-offsets", "connect-status"}},
		{"replication", []int16{c.ConfigReplicationFactor, c.OffsetReplicationFactor, c.StatusReplicationFactor}, []int16{3, 3, 3}},
		{"listeners from CONNECT_REST_PORT", c.Listeners, []Listener{{"http", "", 8083}}},
		{"advertised host", c.AdvertisedHost, "kafka-connect1"},
		{"key converter", c.KeyConverter, "org.apache.kafka.connect.storage.StringConverter"},
		{"value converter", c.ValueConverter, "org.apache.kafka.connect.storage.StringConverter"},
		{"value converter config", c.ValueConverterConfig, map[string]string{"schemas.enable": "false"}},
		{"plugin path", c.PluginPath, []string{"/usr/share/java", "/home/appuser/camel-kafka-connectors"}},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	bound := &net.TCPAddr{IP: net.IPv4zero, Port: 8083}
	if got := c.AdvertisedURL(bound); got != "http://kafka-connect1:8083/" {
		t.Errorf("advertised URL = %s", got)
	}
}

func TestAdvertisedURL(t *testing.T) {
	defer func(f func(string) string) { localHostAddress = f }(localHostAddress)
	localHostAddress = func(bound string) string { return "10.0.0.5" }
	tcp := func(ip string, port int) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: port} }
	keyStore := resttlstest.Generate(t, t.TempDir()).ServerPEM // https listeners need one
	tests := []struct {
		name  string
		kv    []string
		bound net.Addr
		want  string
	}{
		{"defaults bind everywhere", nil, tcp("0.0.0.0", 8083), "http://10.0.0.5:8083/"},
		{"advertised host", []string{"rest.advertised.host.name", "connect1"}, tcp("0.0.0.0", 8083), "http://connect1:8083/"},
		{"listener host and ephemeral port", []string{"listeners", "http://127.0.0.1:0"}, tcp("127.0.0.1", 54321), "http://127.0.0.1:54321/"},
		{"advertised port", []string{"listeners", "http://127.0.0.1:0", "rest.advertised.port", "9999"}, tcp("127.0.0.1", 54321), "http://127.0.0.1:9999/"},
		{"https only", []string{"listeners", "https://h:8443"}, tcp("0.0.0.0", 8443), "https://h:8443/"},
		{"http preferred", []string{"listeners", "https://a:8443,http://b:8083"}, tcp("0.0.0.0", 8443), "http://b:8083/"},
		{"advertised listener", []string{"listeners", "http://a:8083,https://b:8443", "rest.advertised.listener", "https"}, tcp("0.0.0.0", 8083), "https://b:8443/"},
		{"ipv6 listener", []string{"listeners", "http://[::1]:8083"}, tcp("::1", 8083), "http://[::1]:8083/"},
		{"advertised scheme without such listener", []string{"rest.advertised.listener", "https"}, tcp("0.0.0.0", 8083), "https://10.0.0.5:8083/"},
	}
	for _, tt := range tests {
		c, _ := mustParseWorkerConfig(t, withWorkerProps(minimalWorkerProps(), append([]string{"ssl.keystore.location", keyStore}, tt.kv...)...))
		if got := c.AdvertisedURL(tt.bound); got != tt.want {
			t.Errorf("%s: AdvertisedURL = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestLocalHostAddress(t *testing.T) {
	if got := localHostAddress("192.0.2.7"); got != "192.0.2.7" {
		t.Fatalf("a specific bound address is used as is, got %s", got)
	}
	if got := localHostAddress("0.0.0.0"); net.ParseIP(got) == nil {
		t.Fatalf("localHostAddress(0.0.0.0) = %q, want an IP address", got)
	}
}

func TestCSVSplit(t *testing.T) {
	got := csvSplit(`set A: b, "add B: c, d" ,setDate C: 1`)
	want := []string{"set A: b", "add B: c, d", "setDate C: 1"}
	if !slices.Equal(got, want) {
		t.Fatalf("csvSplit = %q, want %q", got, want)
	}
}

// PathName keeps safe names, escapes the rest, and never yields a name that leaves its parent directory.
func TestPathName(t *testing.T) {
	long := strings.Repeat("é", 150)
	for _, tc := range []struct{ in, want string }{
		{"connect-cluster", "connect-cluster"},
		{"my.connector_1", "my.connector_1"},
		{"a/b", "a%2Fb"},
		{"..", "%2E%2E"},
		{".", "%2E"},
		{"", "%"},
		{"%", "%25"},
		{"mqtt source", "mqtt%20source"},
		{"../../etc", "..%2F..%2Fetc"},
	} {
		if got := PathName(tc.in); got != tc.want {
			t.Errorf("PathName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	a, b := PathName(long), PathName(long+"x")
	if len(a) > 200 || len(b) > 200 || a == b {
		t.Errorf("long names: %q (%d bytes) and %q (%d bytes), want distinct names of at most 200 bytes", a, len(a), b, len(b))
	}
	if got := DefaultSpoolDir("a/b"); got != filepath.Join(os.TempDir(), "connectd-spool", "a%2Fb") {
		t.Errorf("DefaultSpoolDir(a/b) = %q", got)
	}
}

// Config providers resolve placeholders in the worker's own properties, and an unresolvable one is an error
// naming the key and the provider.
func TestParseConfigProviders(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(dir, "worker.properties")
	if err := os.WriteFile(secrets, []byte("group=from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	props := withWorkerProps(minimalWorkerProps(),
		"config.providers", "file,env",
		"config.providers.file.class", "FileConfigProvider",
		"config.providers.file.param.allowed.paths", dir,
		"config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
		"group.id", "${file:"+secrets+":group}")
	c, _, err := ParseConfig(props)
	if err != nil {
		t.Fatal(err)
	}
	if c.GroupID != "from-file" || !slices.Equal(c.Providers.Names(), []string{"env", "file"}) {
		t.Errorf("group.id %q, providers %v", c.GroupID, c.Providers.Names())
	}

	props["client.id"] = "${vault:secret/x:id}"
	if _, _, err := ParseConfig(props); err == nil || !strings.Contains(err.Error(), "client.id") || !strings.Contains(err.Error(), "'vault'") {
		t.Errorf("unknown provider: %v", err)
	}
	delete(props, "client.id")
	props["config.providers.file.class"] = "com.example.VaultConfigProvider"
	if _, _, err := ParseConfig(props); err == nil || !strings.Contains(err.Error(), "Failed to find any class that implements ConfigProvider") {
		t.Errorf("unknown class: %v", err)
	}
}
