// Package config reads a distributed worker's configuration: Kafka Connect's worker properties, validated with
// Kafka's names, defaults and wording, into a Config the worker, its REST listeners and its Kafka clients are
// built from.
package config

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/worker/configprovider"
	"github.com/connectd/connectd/worker/kafkaclient"
	"github.com/connectd/connectd/worker/properties"
	"github.com/connectd/connectd/worker/restauth"
	"github.com/connectd/connectd/worker/resttls"
)

// Config is a validated distributed-worker configuration with Apache Kafka Connect's property names and
// defaults (WorkerConfig, DistributedConfig, RestServerConfig). Build it with ParseConfig.
type Config struct {
	BootstrapServers []string // bootstrap.servers, default localhost:9092
	GroupID          string   // group.id, required
	ClientID         string   // client.id, default ""

	// Internal topics: *.storage.topic (required), *.storage.replication.factor (default 3, -1 = broker
	// default), offset.storage.partitions (25) and status.storage.partitions (5); the config topic always
	// has one partition.
	ConfigTopic, OffsetTopic, StatusTopic                                     string
	ConfigReplicationFactor, OffsetReplicationFactor, StatusReplicationFactor int16
	OffsetPartitions, StatusPartitions                                        int32
	// Extra topic configs for creating the internal topics: every config.storage.* (offset.storage.*,
	// status.storage.*) property other than topic, partitions, replication.factor and cleanup.policy, with
	// the prefix removed.
	ConfigTopicSettings, OffsetTopicSettings, StatusTopicSettings map[string]string

	// Converter class names (key.converter and value.converter required; header.converter defaults to
	// org.apache.kafka.connect.storage.SimpleHeaderConverter) and their key.converter.* etc. settings with
	// the prefix removed.
	KeyConverter, ValueConverter, HeaderConverter                   string
	KeyConverterConfig, ValueConverterConfig, HeaderConverterConfig map[string]string

	// Listeners is parsed from listeners (default http://:8083). When listeners is not set but the
	// pre-3.0 rest.port or rest.host.name is (the Confluent image always sets CONNECT_REST_PORT), it is
	// http://<rest.host.name>:<rest.port> with rest.port defaulting to 8083.
	Listeners []Listener
	// AdminListeners is admin.listeners; when AdminListenersSet is false (the default) the admin endpoints
	// are served on Listeners, and an empty set list disables them.
	AdminListeners    []Listener
	AdminListenersSet bool
	// rest.advertised.host.name, rest.advertised.port (0 = unset) and rest.advertised.listener ("http",
	// "https" or "" = unset).
	AdvertisedHost     string
	AdvertisedPort     int
	AdvertisedListener string

	// Group membership: heartbeat.interval.ms (3 s), session.timeout.ms (10 s), rebalance.timeout.ms
	// (60 s), worker.sync.timeout.ms (3 s), worker.unsync.backoff.ms (5 min),
	// scheduled.rebalance.max.delay.ms (5 min).
	HeartbeatInterval, SessionTimeout, RebalanceTimeout, WorkerSyncTimeout, WorkerUnsyncBackoff, ScheduledRebalanceMaxDelay time.Duration
	// ConnectProtocol is connect.protocol lowercased: eager, compatible or sessioned (default).
	ConnectProtocol string

	// Request signing (KIP-507): inter.worker.key.ttl.ms (1 h), inter.worker.signature.algorithm
	// (HmacSHA256), inter.worker.verification.algorithms ([HmacSHA256]),
	// inter.worker.key.generation.algorithm (HmacSHA256) and inter.worker.key.size in bits (0 = the
	// algorithm's default). Algorithm names are in Java's canonical spelling.
	InterWorkerKeyTTL                 time.Duration
	InterWorkerSignatureAlgorithm     string
	InterWorkerVerificationAlgorithms []string
	InterWorkerKeyGenerationAlgorithm string
	InterWorkerKeySize                int

	// ExactlyOnceSourceSupport is exactly.once.source.support lowercased: disabled (default), preparing or
	// enabled.
	ExactlyOnceSourceSupport string

	// offset.flush.interval.ms (60 s), offset.flush.timeout.ms (5 s), task.shutdown.graceful.timeout.ms (5 s).
	OffsetFlushInterval, OffsetFlushTimeout, TaskShutdownGracefulTimeout time.Duration
	// topic.creation.enable, topic.tracking.enable, topic.tracking.allow.reset; all default true.
	TopicCreationEnable, TopicTrackingEnable, TopicTrackingAllowReset bool
	// ConnectorClientConfigOverridePolicy is connector.client.config.override.policy (default All).
	ConnectorClientConfigOverridePolicy string

	// ProducerBufferMemory is producer.buffer.memory (Kafka's default 33554432): the most bytes of records
	// (key, value and headers) a source task has handed to its producer that Kafka has not acknowledged. A
	// task that reaches it waits before polling more, as Kafka's producer blocks send.
	ProducerBufferMemory int64

	// Worker-level client overrides: producer.*, consumer.* and admin.* with the prefix removed
	// (admin.listeners* is a REST setting and is not included).
	ProducerOverrides, ConsumerOverrides, AdminOverrides map[string]string

	// REST server settings: access.control.allow.origin and access.control.allow.methods (default ""),
	// response.http.headers.config (validated, default "") and rest.extension.classes.
	AccessControlAllowOrigin, AccessControlAllowMethods string
	ResponseHTTPHeaders                                 string
	RestExtensionClasses                                []string

	// REST security (RestServerConfig, SSLUtils). ListenerTLS is the server side of the https listeners, from
	// listeners.https.ssl.* or else ssl.*; AdminListenerTLS that of https admin.listeners, from
	// admin.listeners.https.ssl.* or else ssl.*; ForwardTLS the client that reaches other workers' https
	// listeners (forwarded requests, task configs), from listeners.https.ssl.* or else ssl.*. Each is nil when
	// no listener needs it. BasicAuth is rest.extension.classes naming the BasicAuthSecurityRestExtension.
	ListenerTLS, AdminListenerTLS, ForwardTLS *tls.Config
	BasicAuth                                 bool

	// RestUIEnable is rest.ui.enable (connectd's own, default true): serve the web console at /ui on the
	// regular listeners, behind the same authentication as the API.
	RestUIEnable bool

	// PluginPath is plugin.path; connectd's plugins are compiled in, so it only documents intent.
	PluginPath []string

	// SpoolDir is spool.dir (connectd's own): the directory under which source tasks that keep a local spool
	// (the MQTT source with mqtt.spool.enabled=true) keep it, each in <SpoolDir>/<connector>/<task>. Put it on
	// a persistent volume: what a task acknowledged to its source and Kafka does not have yet is there. Default
	// <os.TempDir()>/connectd-spool/<group.id>, with SpoolDirDefault set, which survives a crash of the process
	// but maybe not a reboot (a tmpfs /tmp, a cleaned /tmp).
	SpoolDir        string
	SpoolDirDefault bool

	// Raw is every property as given, with config provider placeholders resolved.
	Raw map[string]string
	// Providers are the config providers config.providers declares (never nil); they resolve placeholders in
	// connector configs, and have resolved those of these properties.
	Providers *configprovider.Providers
}

// Listener is one REST listener from listeners or admin.listeners. An empty Host binds every interface.
type Listener struct {
	Scheme string // "http" or "https"
	Host   string
	Port   int
}

// Error lists every problem found in a worker configuration; each names its property.
type Error struct {
	Problems []string
}

func (e *Error) Error() string { return strings.Join(e.Problems, "\n") }

// Defaults that other code refers to.
const (
	defaultHeaderConverter = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
	defaultRestPort        = 8083
)

// ParseConfig validates props as Kafka Connect's DistributedConfig would and returns the configuration,
// warnings (one per unknown property, and for settings that are ignored) and, when anything is wrong, a
// *Error listing every problem in Kafka's wording, e.g.
// `Missing required configuration "group.id" which has no default value.`
func ParseConfig(props map[string]string) (Config, []string, error) {
	// Config providers first: Kafka resolves the worker's own properties with them too
	// (AbstractConfig.resolveConfigVariables). An unresolvable placeholder is an error here as in connector
	// configs; without config.providers the properties are taken as written.
	providers, perr := configprovider.New(props, os.Environ())
	if perr == nil && strings.TrimSpace(props["config.providers"]) != "" {
		resolved := map[string]string{}
		for k, v := range props {
			if !strings.HasPrefix(k, "config.providers") {
				resolved[k] = v
			}
		}
		resolved, perr = providers.Transform(resolved)
		if perr == nil {
			for k, v := range props {
				if strings.HasPrefix(k, "config.providers") {
					resolved[k] = v
				}
			}
			props = resolved
		}
	}
	p := &configParser{props: props}
	if perr != nil {
		p.problems = append(p.problems, perr.Error())
	}
	c := Config{Raw: maps.Clone(props), Providers: providers}
	if c.Raw == nil {
		c.Raw = map[string]string{}
	}

	c.BootstrapServers, _ = p.list("bootstrap.servers", []string{"localhost:9092"})
	if len(c.BootstrapServers) == 0 {
		p.invalid("bootstrap.servers", props["bootstrap.servers"], "at least one broker address is expected")
	}
	c.GroupID = p.nonEmpty("group.id")
	c.ClientID = p.str("client.id", "")
	c.ConfigTopic = p.nonEmpty("config.storage.topic")
	c.OffsetTopic = p.nonEmpty("offset.storage.topic")
	c.StatusTopic = p.nonEmpty("status.storage.topic")
	c.ConfigReplicationFactor = int16(p.replicationFactor("config.storage.replication.factor"))
	c.OffsetReplicationFactor = int16(p.replicationFactor("offset.storage.replication.factor"))
	c.StatusReplicationFactor = int16(p.replicationFactor("status.storage.replication.factor"))
	c.OffsetPartitions = int32(p.partitions("offset.storage.partitions", 25))
	c.StatusPartitions = int32(p.partitions("status.storage.partitions", 5))
	c.ConfigTopicSettings = p.topicSettings("config.storage.")
	c.OffsetTopicSettings = p.topicSettings("offset.storage.")
	c.StatusTopicSettings = p.topicSettings("status.storage.")

	c.KeyConverter = p.class("key.converter", "")
	c.ValueConverter = p.class("value.converter", "")
	c.HeaderConverter = p.class("header.converter", defaultHeaderConverter)
	c.KeyConverterConfig = withPrefix(props, "key.converter.")
	c.ValueConverterConfig = withPrefix(props, "value.converter.")
	c.HeaderConverterConfig = withPrefix(props, "header.converter.")

	c.Listeners = p.restListeners()
	c.AdminListeners, c.AdminListenersSet = p.adminListeners()
	c.AdvertisedHost = p.str("rest.advertised.host.name", "")
	c.AdvertisedPort = int(p.integer("rest.advertised.port", 0, "INT"))
	if c.AdvertisedPort < 0 || c.AdvertisedPort > 65535 {
		p.invalid("rest.advertised.port", props["rest.advertised.port"], "Port must be between 0 and 65535")
	}
	c.AdvertisedListener = p.oneOf("rest.advertised.listener", "", true, "http", "https")
	c.AccessControlAllowOrigin = p.str("access.control.allow.origin", "")
	c.AccessControlAllowMethods = p.str("access.control.allow.methods", "")
	c.ResponseHTTPHeaders = p.str("response.http.headers.config", "")
	p.validateResponseHeaders(c.ResponseHTTPHeaders)
	c.RestExtensionClasses, _ = p.list("rest.extension.classes", nil)
	// Case-sensitive, as Kafka's validator: "REQUIRED" stops a Java worker too.
	p.oneOf("ssl.client.auth", "none", false, "required", "requested", "none")
	p.restSecurity(&c)
	c.RestUIEnable = p.boolean("rest.ui.enable", true)

	c.HeartbeatInterval = p.millis("heartbeat.interval.ms", 3000, "INT")
	c.SessionTimeout = p.millis("session.timeout.ms", 10000, "INT")
	c.RebalanceTimeout = p.millis("rebalance.timeout.ms", 60000, "INT")
	c.WorkerSyncTimeout = p.millis("worker.sync.timeout.ms", 3000, "INT")
	c.WorkerUnsyncBackoff = p.millis("worker.unsync.backoff.ms", 300000, "INT")
	c.ScheduledRebalanceMaxDelay = p.millis("scheduled.rebalance.max.delay.ms", 300000, "INT")
	c.ConnectProtocol = strings.ToLower(p.str("connect.protocol", "sessioned"))
	if !slices.Contains([]string{"eager", "compatible", "sessioned"}, c.ConnectProtocol) {
		p.invalid("connect.protocol", props["connect.protocol"], "Invalid Connect protocol compatibility")
	}
	p.interWorker(&c)
	c.ExactlyOnceSourceSupport = p.oneOf("exactly.once.source.support", "disabled", true, "disabled", "preparing", "enabled")

	c.OffsetFlushInterval = p.millis("offset.flush.interval.ms", 60000, "LONG")
	c.OffsetFlushTimeout = p.millis("offset.flush.timeout.ms", 5000, "LONG")
	c.TaskShutdownGracefulTimeout = p.millis("task.shutdown.graceful.timeout.ms", 5000, "LONG")
	c.TopicCreationEnable = p.boolean("topic.creation.enable", true)
	c.TopicTrackingEnable = p.boolean("topic.tracking.enable", true)
	c.TopicTrackingAllowReset = p.boolean("topic.tracking.allow.reset", true)
	c.ConnectorClientConfigOverridePolicy = overridePolicyAlias(p.str("connector.client.config.override.policy", "All"))
	switch c.ConnectorClientConfigOverridePolicy {
	case "All", "None", "Principal":
	default:
		p.invalid("connector.client.config.override.policy", props["connector.client.config.override.policy"],
			"Failed to find any class that implements ConnectorClientConfigOverridePolicy; available: All, None, Principal")
		c.ConnectorClientConfigOverridePolicy = "All"
	}
	c.PluginPath, _ = p.list("plugin.path", nil)
	c.SpoolDir = p.str("spool.dir", "")
	if c.SpoolDir == "" {
		c.SpoolDir, c.SpoolDirDefault = DefaultSpoolDir(c.GroupID), true
	}
	p.oneOf("plugin.discovery", "hybrid_warn", true, "only_scan", "hybrid_warn", "hybrid_fail", "service_load")
	p.oneOf("client.dns.lookup", "use_all_dns_ips", false, "use_all_dns_ips", "resolve_canonical_bootstrap_servers_only")
	p.oneOf("security.protocol", "PLAINTEXT", true, "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")

	c.ProducerBufferMemory = p.integer("producer.buffer.memory", 33554432, "LONG")
	if c.ProducerBufferMemory < 1 {
		p.invalid("producer.buffer.memory", props["producer.buffer.memory"], "Value must be at least 1")
		c.ProducerBufferMemory = 33554432
	}
	c.ProducerOverrides = withPrefix(props, "producer.")
	c.ConsumerOverrides = withPrefix(props, "consumer.")
	c.AdminOverrides = withPrefix(props, "admin.")
	for k := range c.AdminOverrides {
		if k == "listeners" || strings.HasPrefix(k, "listeners.") {
			delete(c.AdminOverrides, k)
		}
	}

	// The Kafka clients must be buildable from these settings: check now rather than at the first
	// connection.
	if len(p.problems) == 0 {
		for _, kind := range []string{"", "producer", "consumer", "admin"} {
			if _, err := c.SaramaConfig(kind); err != nil {
				p.problems = append(p.problems, err.Error())
			}
		}
	}
	p.unknownKeys()
	if len(p.problems) > 0 {
		return Config{}, p.warnings, &Error{Problems: p.problems}
	}
	return c, p.warnings, nil
}

// restSecurity builds the TLS configurations the listeners need and checks rest.extension.classes.
func (p *configParser) restSecurity(c *Config) {
	https := func(ls []Listener) bool {
		return slices.ContainsFunc(ls, func(l Listener) bool { return l.Scheme == "https" })
	}
	build := func(prefix string, server bool) *tls.Config {
		s := resttls.Select(p.props, prefix)
		build := s.Client
		if server {
			build = s.Server
		}
		tc, err := build()
		if err != nil {
			p.problems = append(p.problems, err.Error())
			return nil
		}
		return tc
	}
	if https(c.Listeners) {
		c.ListenerTLS = build(resttls.ListenersPrefix, true)
	}
	if https(c.AdminListeners) {
		c.AdminListenerTLS = build(resttls.AdminListenersPrefix, true)
	}
	// Peers may listen on https while this worker does not; the client side is built only when this worker's
	// own listeners say the cluster uses https, so that ssl.* settings meant for the Kafka clients (a JKS
	// store, say) do not stop an http-only worker.
	// Requests are forwarded only to advertised URLs, which come from listeners, never admin.listeners.
	if https(c.Listeners) || c.AdvertisedListener == "https" {
		c.ForwardTLS = build(resttls.ListenersPrefix, false)
	}
	// (The un-prefixed ssl.* keys are the Kafka clients' settings too; only the REST ones are reported.)
	for _, prefix := range []string{resttls.ListenersPrefix, resttls.AdminListenersPrefix} {
		for _, k := range []string{"ssl.provider", "ssl.secure.random.implementation", "ssl.keymanager.algorithm",
			"ssl.trustmanager.algorithm", "ssl.protocol"} {
			if v, ok := p.props[prefix+k]; ok {
				p.warn("worker configuration key %s%s=%s has no effect: the REST listeners use Go's TLS implementation", prefix, k, v)
			}
		}
	}
	for _, class := range c.RestExtensionClasses {
		if class == restauth.ExtensionClass {
			c.BasicAuth = true
			continue
		}
		p.invalid("rest.extension.classes", class, "the only REST extension connectd supports is "+restauth.ExtensionClass)
	}
}

// DefaultSpoolDir is spool.dir's default for a group: <os.TempDir()>/connectd-spool/<group.id>, the group id
// made a safe directory name (see PathName).
func DefaultSpoolDir(groupID string) string {
	return filepath.Join(os.TempDir(), "connectd-spool", PathName(groupID))
}

// PathName turns a name (a group id, a connector name) into one directory name: ASCII letters, digits, '.',
// '_' and '-' stay, every other byte becomes %XX, and "", "." and ".." are escaped as a whole, so no name can
// reach outside the directory it is joined to. A result longer than 200 bytes keeps its first 183 bytes and
// ends with '~' and 16 hex digits of the name's SHA-256, staying unique and within file systems' 255-byte
// limit.
func PathName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' ||
			c == '.' && name != "." && name != ".." {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	out := b.String()
	if out == "" {
		return "%"
	}
	if len(out) > 200 {
		sum := sha256.Sum256([]byte(name))
		out = out[:183] + "~" + hex.EncodeToString(sum[:8])
	}
	return out
}

// configParser reads typed values out of the raw properties, collecting problems in Kafka's wording
// (ConfigDef.parseType, ConfigException) instead of stopping at the first.
type configParser struct {
	props    map[string]string
	problems []string
	warnings []string
}

func (p *configParser) invalid(key, value, msg string) {
	p.problems = append(p.problems, fmt.Sprintf("Invalid value %s for configuration %s: %s", value, key, msg))
}

func (p *configParser) warn(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

// str returns the trimmed value, or def when the key is absent (Kafka trims every value it parses).
func (p *configParser) str(key, def string) string {
	v, ok := p.props[key]
	if !ok {
		return def
	}
	return strings.TrimSpace(v)
}

// nonEmpty returns a required string that must not be blank.
func (p *configParser) nonEmpty(key string) string {
	v, ok := p.props[key]
	if !ok {
		p.problems = append(p.problems, fmt.Sprintf("Missing required configuration %q which has no default value.", key))
		return ""
	}
	if strings.TrimSpace(v) == "" {
		p.invalid(key, v, "String must be non-empty")
	}
	return strings.TrimSpace(v)
}

// class returns a class name; required when def is "". The class itself is resolved by the plugin
// registry, not here.
func (p *configParser) class(key, def string) string {
	v, ok := p.props[key]
	if !ok {
		if def == "" {
			p.problems = append(p.problems, fmt.Sprintf("Missing required configuration %q which has no default value.", key))
		}
		return def
	}
	if strings.TrimSpace(v) == "" {
		p.invalid(key, v, "Class "+v+" could not be found.")
	}
	return strings.TrimSpace(v)
}

var integerBits = map[string]int{"SHORT": 16, "INT": 32, "LONG": 64}

// integer parses a SHORT, INT or LONG as Java's parseShort/parseInt/parseLong would.
func (p *configParser) integer(key string, def int64, typ string) int64 {
	v, ok := p.props[key]
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, integerBits[typ])
	if err != nil {
		p.invalid(key, v, "Not a number of type "+typ)
		return def
	}
	return n
}

// millis parses a duration in milliseconds; negative values are rejected.
func (p *configParser) millis(key string, def int64, typ string) time.Duration {
	n := p.integer(key, def, typ)
	if n < 0 {
		p.invalid(key, p.props[key], "Value must be at least 0")
		n = def
	}
	return time.Duration(n) * time.Millisecond
}

func (p *configParser) boolean(key string, def bool) bool {
	v, ok := p.props[key]
	if !ok {
		return def
	}
	if b, ok := properties.Bool(v); ok {
		return b
	}
	p.invalid(key, v, "Expected value to be either true or false")
	return def
}

// list parses a LIST: comma separated, items trimmed, "" is the empty list. present reports whether the
// key was set at all.
func (p *configParser) list(key string, def []string) (items []string, present bool) {
	v, ok := p.props[key]
	if !ok {
		return def, false
	}
	return properties.List(v), true
}

// oneOf returns the value, which must be one of options (compared case-insensitively when fold is set,
// and then returned in the options' spelling); def when absent, "" allowed only when def is "".
func (p *configParser) oneOf(key, def string, fold bool, options ...string) string {
	v, ok := p.props[key]
	if !ok {
		return def
	}
	t := strings.TrimSpace(v)
	for _, o := range options {
		if t == o || fold && strings.EqualFold(t, o) {
			return o
		}
	}
	if t == "" && def == "" {
		return ""
	}
	if fold {
		p.invalid(key, v, "String must be one of (case insensitive): "+strings.Join(options, ", "))
	} else {
		p.invalid(key, v, "String must be one of: "+strings.Join(options, ", "))
	}
	return def
}

func (p *configParser) replicationFactor(key string) int64 {
	n := p.integer(key, 3, "SHORT")
	if n != -1 && n < 1 {
		p.invalid(key, p.props[key], "Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default")
		return 3
	}
	return n
}

func (p *configParser) partitions(key string, def int64) int64 {
	n := p.integer(key, def, "INT")
	if n != -1 && n < 1 {
		p.invalid(key, p.props[key], "Number of partitions must be positive, or -1 to use the broker's default")
		return def
	}
	return n
}

// topicSettings is DistributedConfig.topicSettings: the prefixed properties minus the ones the worker sets
// itself.
func (p *configParser) topicSettings(prefix string) map[string]string {
	s := withPrefix(p.props, prefix)
	if v, ok := s["partitions"]; ok && prefix == "config.storage." {
		p.warn("Ignoring '%spartitions=%s' setting, since config topic partitions is always 1", prefix, v)
	}
	if v, ok := s["cleanup.policy"]; ok {
		p.warn("Ignoring '%scleanup.policy=%s' setting, since compaction is always used", prefix, v)
	}
	for _, k := range []string{"topic", "replication.factor", "partitions", "cleanup.policy"} {
		delete(s, k)
	}
	return s
}

// withPrefix returns the properties starting with prefix, with the prefix removed.
func withPrefix(props map[string]string, prefix string) map[string]string {
	out := make(map[string]string)
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}

// restListeners parses listeners, or derives it from the pre-3.0 rest.port/rest.host.name.
func (p *configParser) restListeners() []Listener {
	raw, set := p.props["listeners"]
	port, hasPort := p.props["rest.port"]
	host, hasHost := p.props["rest.host.name"]
	if !set {
		if !hasPort && !hasHost {
			return []Listener{{Scheme: "http", Port: defaultRestPort}}
		}
		n := int64(defaultRestPort)
		if hasPort {
			n = p.integer("rest.port", defaultRestPort, "INT")
			if n < 0 || n > 65535 {
				p.invalid("rest.port", port, "Port must be between 0 and 65535")
			}
		}
		return []Listener{{Scheme: "http", Host: strings.TrimSpace(host), Port: int(n)}}
	}
	for _, k := range []string{"rest.port", "rest.host.name"} {
		if _, ok := p.props[k]; ok {
			p.warn("worker configuration key %s is ignored because listeners is set", k)
		}
	}
	items := properties.List(raw)
	if len(items) == 0 {
		p.problems = append(p.problems, "Invalid value for listeners, at least one URL is expected, ex: http://localhost:8080,https://localhost:8443.")
		return nil
	}
	return p.listeners("listeners", items)
}

func (p *configParser) adminListeners() ([]Listener, bool) {
	raw, set := p.props["admin.listeners"]
	if !set {
		return nil, false
	}
	return p.listeners("admin.listeners", properties.List(raw)), true
}

// listenerPattern is RestServer.LISTENER_PATTERN, anchored at both ends as Matcher.matches() is.
var listenerPattern = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$`)

func (p *configParser) listeners(key string, items []string) []Listener {
	out := make([]Listener, 0, len(items))
	for _, item := range items {
		if item == "" {
			p.invalid(key, p.props[key], "Empty URL found when parsing "+key+" list.")
			continue
		}
		m := listenerPattern.FindStringSubmatch(item)
		if m == nil {
			p.invalid(key, item, "Listener doesn't have the right format (protocol://hostname:port).")
			continue
		}
		scheme := strings.ToLower(m[1])
		if scheme != "http" && scheme != "https" {
			p.invalid(key, item, `Listener protocol must be either "http" or "https".`)
			continue
		}
		port, err := strconv.Atoi(m[3])
		if err != nil || port < 0 || port > 65535 {
			p.invalid(key, item, "Listener port must be between 0 and 65535.")
			continue
		}
		out = append(out, Listener{Scheme: scheme, Host: m[2], Port: port})
	}
	return out
}

// validateResponseHeaders applies RestServerConfig's header-rule checks to each comma-separated rule.
func (p *configParser) validateResponseHeaders(v string) {
	if strings.TrimSpace(v) == "" {
		return
	}
	bad := func(msg string) { p.invalid("response.http.headers.config", v, msg) }
	for _, rule := range csvSplit(v) {
		tokens := strings.SplitN(strings.TrimSpace(rule), " ", 2)
		if len(tokens) != 2 {
			bad(fmt.Sprintf("Invalid format of header config '%s'. Expected: '[action] [header name]:[header value]'", rule))
			continue
		}
		action := strings.TrimSpace(tokens[0])
		if !slices.ContainsFunc([]string{"set", "add", "setDate", "addDate"}, func(a string) bool { return strings.EqualFold(a, action) }) {
			bad(fmt.Sprintf("Invalid header config action: '%s'. Expected one of [set, add, setDate, addDate]", action))
			continue
		}
		nameValue := strings.Split(strings.TrimSpace(tokens[1]), ":")
		if len(nameValue) != 2 {
			bad(fmt.Sprintf("Invalid format of header name and header value pair '%s'. Expected: '[header name]:[header value]'", tokens[1]))
			continue
		}
		if name := strings.TrimSpace(nameValue[0]); name == "" || strings.ContainsAny(name, " \t\r\n\f\v") {
			bad(fmt.Sprintf("Invalid header name '%s'. The '[header name]' cannot contain whitespace", name))
		}
	}
}

// csvSplit splits on commas outside double quotes and removes the quotes (Jetty's StringUtil.csvSplit).
func csvSplit(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ',' && !quoted:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if t := strings.TrimSpace(cur.String()); t != "" || len(out) > 0 {
		out = append(out, t)
	}
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}

// macAlgorithms are the HMACs a Go worker can sign with, in Java's canonical spelling (Java's names are
// case-insensitive).
var macAlgorithms = []string{"HmacSHA1", "HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512"}

func canonicalMAC(name string) (string, bool) {
	for _, a := range macAlgorithms {
		if strings.EqualFold(a, name) {
			return a, true
		}
	}
	return "", false
}

// interWorker parses and cross-checks the request-signing settings (DistributedConfig.validateInterWorkerKeyConfigs).
func (p *configParser) interWorker(c *Config) {
	unsupported := "the algorithm is not supported by this worker; the supported algorithms are: [" +
		strings.Join(macAlgorithms, ", ") + "]"
	algorithm := func(key string) string {
		v := p.str(key, "HmacSHA256")
		a, ok := canonicalMAC(v)
		if !ok {
			p.invalid(key, v, unsupported)
			return "HmacSHA256"
		}
		return a
	}
	c.InterWorkerKeyTTL = p.millis("inter.worker.key.ttl.ms", 3600000, "INT")
	c.InterWorkerKeyGenerationAlgorithm = algorithm("inter.worker.key.generation.algorithm")
	c.InterWorkerSignatureAlgorithm = algorithm("inter.worker.signature.algorithm")
	c.InterWorkerKeySize = int(p.integer("inter.worker.key.size", 0, "INT"))
	if _, set := p.props["inter.worker.key.size"]; set && c.InterWorkerKeySize < 40 {
		p.invalid("inter.worker.key.size", p.props["inter.worker.key.size"], fmt.Sprintf(
			"Unable to create key generator with algorithm %s and key size %d: Key length must be at least 40 bits",
			c.InterWorkerKeyGenerationAlgorithm, c.InterWorkerKeySize))
	}
	verification, _ := p.list("inter.worker.verification.algorithms", []string{"HmacSHA256"})
	c.InterWorkerVerificationAlgorithms = nil
	for _, v := range verification {
		a, ok := canonicalMAC(v)
		if !ok {
			p.invalid("inter.worker.verification.algorithms", v, unsupported)
			continue
		}
		c.InterWorkerVerificationAlgorithms = append(c.InterWorkerVerificationAlgorithms, a)
	}
	if len(verification) == 0 {
		p.invalid("inter.worker.verification.algorithms", "[]", "At least one signature verification algorithm must be provided")
	} else if !slices.Contains(c.InterWorkerVerificationAlgorithms, c.InterWorkerSignatureAlgorithm) {
		p.invalid("inter.worker.signature.algorithm", c.InterWorkerSignatureAlgorithm,
			"Signature algorithm must be present in inter.worker.verification.algorithms list")
	}
}

// knownWorkerKeys are the properties Kafka Connect's distributed worker defines, plus the client settings
// it passes to its Kafka clients.
var knownWorkerKeys = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`
		bootstrap.servers client.dns.lookup key.converter value.converter header.converter
		task.shutdown.graceful.timeout.ms offset.flush.interval.ms offset.flush.timeout.ms plugin.path
		plugin.discovery metrics.sample.window.ms metrics.num.samples metrics.recording.level metric.reporters
		auto.include.jmx.reporter config.providers connector.client.config.override.policy topic.creation.enable
		topic.tracking.enable topic.tracking.allow.reset listeners rest.advertised.host.name rest.advertised.port
		rest.advertised.listener access.control.allow.origin access.control.allow.methods
		response.http.headers.config ssl.client.auth rest.extension.classes admin.listeners group.id
		session.timeout.ms rebalance.timeout.ms heartbeat.interval.ms exactly.once.source.support
		metadata.max.age.ms client.id send.buffer.bytes receive.buffer.bytes reconnect.backoff.ms
		reconnect.backoff.max.ms socket.connection.setup.timeout.ms socket.connection.setup.timeout.max.ms
		retry.backoff.ms retry.backoff.max.ms request.timeout.ms connections.max.idle.ms security.protocol
		worker.sync.timeout.ms worker.unsync.backoff.ms offset.storage.topic offset.storage.partitions
		offset.storage.replication.factor config.storage.topic config.storage.replication.factor
		status.storage.topic status.storage.partitions status.storage.replication.factor connect.protocol
		scheduled.rebalance.max.delay.ms inter.worker.key.ttl.ms inter.worker.key.generation.algorithm
		inter.worker.key.size inter.worker.signature.algorithm inter.worker.verification.algorithms
		default.api.timeout.ms metadata.recovery.strategy enable.metrics.push client.rack
		rest.port rest.host.name spool.dir rest.ui.enable`) {
		knownWorkerKeys[k] = true
	}
}

// knownWorkerPrefixes cover families of settings: converter and client overrides, internal topic
// settings, config providers, REST TLS, client security, and the Confluent image's log4j variables.
var knownWorkerPrefixes = []string{
	"key.converter.", "value.converter.", "header.converter.", "producer.", "consumer.", "admin.",
	"config.storage.", "offset.storage.", "status.storage.", "config.providers.", "listeners.https.",
	"ssl.", "sasl.", "log4j.", "metric.reporters.", "rest.extension.",
}

// unknownKeys warns about properties no part of the worker reads, and about settings that have no effect.
func (p *configParser) unknownKeys() {
	var unknown, internal []string
	for _, k := range slices.Sorted(maps.Keys(p.props)) {
		switch {
		case k == "internal.key.converter" || k == "internal.value.converter" ||
			strings.HasPrefix(k, "internal.key.converter.") || strings.HasPrefix(k, "internal.value.converter."):
			internal = append(internal, k)
		case knownWorkerKeys[k]:
		case slices.ContainsFunc(knownWorkerPrefixes, func(prefix string) bool { return strings.HasPrefix(k, prefix) }):
		default:
			unknown = append(unknown, k)
		}
	}
	if len(internal) > 0 {
		p.warn("The worker has been configured with one or more internal converter properties ([%s]). Support "+
			"for these properties was deprecated in version 2.0 and removed in version 3.0, and specifying them "+
			"will have no effect. Instead, an instance of the JsonConverter with schemas.enable set to false will "+
			"be used.", strings.Join(internal, ", "))
	}
	for _, k := range unknown {
		p.warn("unknown worker configuration key %s is ignored", k)
	}
}

// AdvertisedURL is the URL other workers use to reach this one, with a trailing "/", built as Kafka's
// RestServer.advertisedUrl: scheme from rest.advertised.listener (else http when any listener is http,
// else https); host from rest.advertised.host.name, else that scheme's listener host, else this machine's
// address; port from rest.advertised.port, else that listener's port, else the port bound is listening
// on (bound is the address of the listener that was actually opened). The worker id is the URL's host:port.
func (c Config) AdvertisedURL(bound net.Addr) string {
	scheme := c.AdvertisedListener
	if scheme == "" {
		scheme = "http"
		if !slices.ContainsFunc(c.Listeners, func(l Listener) bool { return l.Scheme == "http" }) &&
			slices.ContainsFunc(c.Listeners, func(l Listener) bool { return l.Scheme == "https" }) {
			scheme = "https"
		}
	}
	var l *Listener
	for i := range c.Listeners {
		if c.Listeners[i].Scheme == scheme {
			l = &c.Listeners[i]
			break
		}
	}
	boundHost, boundPort := "", 0
	if bound != nil {
		if h, ps, err := net.SplitHostPort(bound.String()); err == nil {
			boundHost = h
			boundPort, _ = strconv.Atoi(ps)
		}
	}
	host := ""
	switch {
	case c.AdvertisedHost != "":
		host = c.AdvertisedHost
	case l != nil && l.Host != "":
		host = l.Host
	case len(c.Listeners) > 0 && c.Listeners[0].Host != "":
		host = c.Listeners[0].Host // Jetty's server URI names the first connector
	default:
		host = localHostAddress(boundHost)
	}
	port := boundPort
	switch {
	case c.AdvertisedPort > 0:
		port = c.AdvertisedPort
	case l != nil && l.Port > 0:
		port = l.Port
	}
	return scheme + "://" + net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(port)) + "/"
}

// localHostAddress is what Java's InetAddress.getLocalHost().getHostAddress() gives a server bound to all
// interfaces: the address this machine's host name resolves to (in a container, its network address).
var localHostAddress = func(bound string) string {
	if ip := net.ParseIP(bound); ip != nil && !ip.IsUnspecified() {
		return bound
	}
	if name, err := os.Hostname(); err == nil {
		if addrs, err := net.LookupHost(name); err == nil && len(addrs) > 0 {
			for _, a := range addrs {
				if ip := net.ParseIP(a); ip != nil && ip.To4() != nil {
					return a
				}
			}
			return addrs[0]
		}
	}
	return "127.0.0.1"
}

// overridePolicyAlias maps a ConnectorClientConfigOverridePolicy class name, full or simple, to its alias
// (All, None, Principal), as Kafka Connect's plugin aliases do; other values are returned unchanged.
func overridePolicyAlias(v string) string {
	v = strings.TrimPrefix(v, "org.apache.kafka.connect.connector.policy.")
	return strings.TrimSuffix(v, "ConnectorClientConfigOverridePolicy")
}

// ClientConfig builds the configuration of one of a connector's task clients ("producer", "consumer" or
// "admin"): the worker's settings, then the connector's overrides (prefix removed) over them.
func (c Config) ClientConfig(kind string, overrides map[string]string) (kafkaclient.Client, error) {
	return kafkaclient.Build(c.clientSettings(overrides), kind)
}

func (c Config) clientSettings(overrides map[string]string) kafkaclient.Settings {
	return kafkaclient.Settings{
		Properties:        c.Raw,
		ProducerOverrides: c.ProducerOverrides, ConsumerOverrides: c.ConsumerOverrides, AdminOverrides: c.AdminOverrides,
		SessionTimeout: c.SessionTimeout, HeartbeatInterval: c.HeartbeatInterval, RebalanceTimeout: c.RebalanceTimeout,
		Connector: overrides,
	}
}

// SaramaConfig builds the sarama configuration of one kind of Kafka client ("", "producer", "consumer" or
// "admin") from this configuration; kafkaclient.Config documents the kinds and the settings applied.
func (c Config) SaramaConfig(kind string) (*sarama.Config, error) {
	return kafkaclient.Config(c.clientSettings(nil), kind)
}
