package mqtt

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/connectd/connectd/connector"
)

// config is a connector or task configuration resolved to what the task does: Camel-style and Confluent keys
// merged, durations converted, TLS files loaded.
type config struct {
	name           string
	brokers        []string
	filters        []string
	clientID       string
	username       string
	password       string
	qos            byte
	cleanSession   bool
	connectTimeout time.Duration
	keepAlive      time.Duration
	maxRetry       time.Duration // negative: retry forever
	tls            *tls.Config   // nil: paho's default for ssl:// URLs
	shared         bool
	connections    int // MQTT connections (sessions) per task

	kafkaTopics   []string
	keyHeader     string // header whose value is the key; "" with keyFromHeader false: the MQTT topic
	keyFromHeader bool
	mapHeaders    bool
	removeHeaders *headerMatcher // nil removes nothing
	logContent    bool
	contentLevel  slog.Level

	maxBatch        int
	maxPollDuration time.Duration
	queueSize       int
	maxNotCommitted int
	maxBytes        int64 // byte budget of the messages a task holds

	spool            bool  // acknowledge once in the task's local spool
	spoolMaxBytes    int64 // spool.Options.MaxBytes
	spoolSkipCorrupt bool  // spool.Options.SkipCorrupt

	aggregate  bool
	aggSize    int
	aggTimeout time.Duration

	idempotency   bool
	idemHeader    string // "" keys by body
	idemRepo      string
	idemDimension int
	idemBootstrap []string
	idemTopic     string
	idemMaxCache  int
	idemPoll      time.Duration

	keyBytes   bool // key.converter is ByteArrayConverter
	valueBytes bool // value.converter is ByteArrayConverter

	taskIndex int
	taskCount int
}

// problems collects configuration errors per key, in Kafka's wording.
type problems map[string][]string

func (p problems) add(key, msg string) { p[key] = append(p[key], msg) }

func (p problems) invalid(key, value, msg string) {
	p.add(key, "Invalid value "+value+" for configuration "+key+": "+msg)
}

// err joins the problems into one error, keys sorted, or nil.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	var msgs []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		msgs = append(msgs, p[k]...)
	}
	return &connector.ParseError{Errors: msgs}
}

// check is the Spec's cross-key check: everything a single key's validators cannot see.
func check(raw map[string]string) map[string][]string {
	_, probs := resolve(lenient(raw))
	return probs
}

// lenient parses raw, leaving out the keys whose own value is invalid (per-key validation reports those), so
// the cross-key checks see their defaults instead of failing as a whole.
func lenient(raw map[string]string) *connector.Parsed {
	return lenientWith(fields(), raw)
}

// lenientWith is lenient for the fields of either connector.
func lenientWith(fields []*connector.Field, raw map[string]string) *connector.Parsed {
	spec := connector.NewSpec(fields...)
	clean := maps.Clone(raw)
	for _, f := range spec.Fields {
		v, ok := clean[f.Name]
		if !ok {
			continue
		}
		if _, err := connector.NewSpec(f).Parse(map[string]string{f.Name: v}); err != nil {
			delete(clean, f.Name)
		}
	}
	p, err := spec.Parse(clean)
	if err != nil {
		// Every key that fails on its own was removed and no key is required, so this cannot happen.
		p, _ = spec.Parse(nil)
	}
	return p
}

// parseConfig parses a connector or task configuration strictly: any problem is an error.
func parseConfig(raw map[string]string) (*config, error) {
	p, err := connector.NewSpec(fields()...).Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse mqtt source config: %w", err)
	}
	cfg, probs := resolve(p)
	if err := probs.err(); err != nil {
		return nil, fmt.Errorf("invalid mqtt source config: %w", err)
	}
	return cfg, nil
}

// resolve turns parsed keys into a config and reports what is wrong across keys.
func resolve(p *connector.Parsed) (*config, problems) {
	probs := problems{}
	raw := p.Raw()
	// pick returns the Camel-style key when set, else the Confluent key when set, else the Camel-style key (its
	// default); and the key it chose.
	pick := func(camel, confluent string) string {
		if !p.IsSet(camel) && p.IsSet(confluent) {
			return confluent
		}
		return camel
	}
	c := &config{name: raw[connector.KeyName]}

	brokerKey := fieldBrokerURL
	if strings.TrimSpace(p.String(fieldBrokerURL)) != "" {
		c.brokers = splitList(p.String(fieldBrokerURL))
	} else if l := p.List(fieldServerURI); len(l) > 0 {
		brokerKey, c.brokers = fieldServerURI, nonEmpty(l)
	}
	if len(c.brokers) == 0 {
		probs.add(fieldBrokerURL, missing(fieldBrokerURL, fieldServerURI))
	}
	for _, b := range c.brokers {
		if msg := checkBrokerURL(b); msg != "" {
			probs.invalid(brokerKey, redactURL(b), msg)
		}
	}

	filterKey := fieldTopic
	if strings.TrimSpace(p.String(fieldTopic)) != "" {
		c.filters = splitList(p.String(fieldTopic))
	} else if l := p.List(fieldMQTTTopics); len(l) > 0 {
		filterKey, c.filters = fieldMQTTTopics, nonEmpty(l)
	}
	if len(c.filters) == 0 {
		probs.add(fieldTopic, missing(fieldTopic, fieldMQTTTopics))
	}
	for _, f := range c.filters {
		if msg := checkFilter(f); msg != "" {
			probs.invalid(filterKey, f, msg)
		}
	}

	c.clientID = strings.TrimSpace(p.String(fieldClientID))
	if c.clientID == "" {
		c.clientID = c.name
	}
	if c.clientID == "" {
		c.clientID = "connectd-mqtt-source"
	}
	userKey := pick(fieldUsername, fieldMQTTUsername)
	c.username = p.String(userKey)
	passKey := pick(fieldPassword, fieldMQTTPassword)
	c.password = p.Password(passKey)
	if c.password != "" && c.username == "" {
		probs.add(passKey, "Invalid value [hidden] for configuration "+passKey+
			": a password needs a username (MQTT 3.1.1 sends no password without one)")
	}
	c.qos = byte(p.Int(pick(fieldQoS, fieldMQTTQoS)))
	c.cleanSession = p.Bool(pick(fieldCleanSession, fieldMQTTCleanSession))
	c.connectTimeout = time.Duration(p.Int(pick(fieldConnectTimeout, fieldMQTTConnectTimeout))) * time.Second
	c.keepAlive = time.Duration(p.Int(pick(fieldKeepAlive, fieldMQTTKeepAlive))) * time.Second
	c.maxRetry = time.Duration(p.Long(pick(fieldMaxRetryTime, fieldMQTTMaxRetryTime))) * time.Millisecond
	c.shared = p.Bool(fieldSharedSubscriptions)
	c.taskIndex, c.taskCount = 0, 1
	if n, err := strconv.Atoi(raw[fieldTaskCount]); err == nil && n > 0 {
		c.taskCount = n
	}
	if n, err := strconv.Atoi(raw[fieldTaskIndex]); err == nil && n >= 0 && n < c.taskCount {
		c.taskIndex = n
	}
	c.connections = p.Int(fieldConnectionsPerTask)
	if !p.IsSet(fieldConnectionsPerTask) {
		c.connections = defaultConnections(c.cleanSession, c.taskCount)
	}
	if !c.shared {
		// Without a shared subscription every connection would receive every message. The default gives
		// way; a count the user asked for is an error.
		if p.IsSet(fieldConnectionsPerTask) && c.connections > 1 {
			probs.invalid(fieldConnectionsPerTask, strconv.Itoa(c.connections), "several connections per task "+
				"share the messages through a shared subscription, which "+fieldSharedSubscriptions+"=false turns off; "+
				"set it to 1")
		}
		c.connections = 1
	}
	c.tls = loadTLS(p, probs)

	if t := strings.TrimSpace(p.String(fieldTopics)); t != "" {
		c.kafkaTopics = splitList(t)
		for _, topic := range c.kafkaTopics {
			if msg := checkKafkaTopic(topic); msg != "" {
				probs.invalid(fieldTopics, topic, msg)
			}
		}
	} else {
		topic := p.String(fieldKafkaTopic)
		if topic == "" {
			probs.add(fieldKafkaTopic, missing(fieldTopics, fieldKafkaTopic))
		} else if msg := checkKafkaTopic(topic); msg != "" {
			probs.invalid(fieldKafkaTopic, topic, msg)
		}
		c.kafkaTopics = []string{topic}
	}
	if h := p.String(fieldMessageHeaderKey); h != "" {
		c.keyFromHeader, c.keyHeader = true, h
	}
	c.mapHeaders = p.Bool(fieldMapHeaders)
	c.removeHeaders = newHeaderMatcher(p.String(fieldRemoveHeaders))
	if lvl := strings.ToUpper(p.String(fieldContentLogLevel)); lvl != "OFF" && lvl != "" {
		c.logContent, c.contentLevel = true, logLevel(lvl)
	}

	c.maxBatch = clampInt(p.Long(pick(fieldMaxBatchPollSize, fieldBufferMaxBatch)))
	c.maxPollDuration = time.Duration(p.Long(pick(fieldMaxPollDuration, fieldBufferEmptyTimeout))) * time.Millisecond
	c.queueSize = clampInt(p.Long(pick(fieldQueueSize, fieldBufferSize)))
	c.maxNotCommitted = p.Int(fieldMaxNotCommitted)
	c.maxBytes = p.Long(fieldBufferMaxBytes)
	c.spool = p.Bool(fieldSpoolEnabled)
	c.spoolMaxBytes = p.Long(fieldSpoolMaxBytes)
	c.spoolSkipCorrupt = p.String(fieldSpoolCorruptPolicy) == corruptSkip

	if bean := strings.TrimSpace(p.String(fieldBeansAggregate)); bean != "" {
		if strings.TrimPrefix(bean, "#class:") == StringAggregator {
			c.aggregate = true
		} else {
			probs.invalid(fieldBeansAggregate, bean, "connectd provides only the aggregation strategy #class:"+StringAggregator)
		}
	}
	c.aggSize = p.Int(fieldAggregationSize)
	c.aggTimeout = time.Duration(p.Long(fieldAggregationTimeout)) * time.Millisecond

	c.idempotency = p.Bool(fieldIdempotencyEnabled)
	if p.String(fieldIdempotencyType) == "header" {
		c.idemHeader = p.String(fieldIdempotencyHeader)
		if c.idempotency && c.idemHeader == "" {
			probs.add(fieldIdempotencyHeader, missing(fieldIdempotencyHeader, "")+" It is needed when "+
				fieldIdempotencyType+" is header.")
		}
	}
	c.idemRepo = p.String(fieldIdempotencyRepository)
	c.idemDimension = p.Int(fieldIdempotencyDimension)
	c.idemBootstrap = splitList(p.String(fieldIdempotencyBootstrap))
	c.idemTopic = p.String(fieldIdempotencyTopic)
	c.idemMaxCache = p.Int(fieldIdempotencyMaxCache)
	c.idemPoll = time.Duration(p.Int(fieldIdempotencyPollDuration)) * time.Millisecond
	if c.idempotency && c.idemRepo == "kafka" {
		if len(c.idemBootstrap) == 0 {
			probs.add(fieldIdempotencyBootstrap, missing(fieldIdempotencyBootstrap, ""))
		}
		if msg := checkKafkaTopic(c.idemTopic); msg != "" {
			probs.invalid(fieldIdempotencyTopic, c.idemTopic, msg)
		}
	}

	c.keyBytes = isByteArrayConverter(raw[connector.KeyKeyConverter])
	c.valueBytes = isByteArrayConverter(raw[connector.KeyValueConverter])

	return c, probs
}

// missing is Kafka's message for an absent required key, naming the alternative key when there is one.
func missing(key, alternative string) string {
	msg := "Missing required configuration \"" + key + "\" which has no default value."
	if alternative != "" {
		msg += " Set it or \"" + alternative + "\"."
	}
	return msg
}

// splitList splits a comma-separated value as Kafka's LIST type does, dropping empty entries.
func splitList(s string) []string {
	return nonEmpty(strings.Split(s, ","))
}

func nonEmpty(l []string) []string {
	var out []string
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func clampInt(n int64) int {
	return int(min(n, int64(1<<31-1)))
}

// brokerSchemes are the URL schemes paho dials.
var brokerSchemes = []string{"tcp", "mqtt", "ssl", "tls", "mqtts", "mqtt+ssl", "tcps", "ws", "wss"}

// checkBrokerURL returns why u is not a broker URL paho can dial, or "".
func checkBrokerURL(u string) string {
	if !strings.Contains(u, "://") {
		return "malformed MQTT broker URL: want scheme://host:port, e.g. tcp://localhost:1883"
	}
	parsed, err := url.Parse(u)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL, password included
		}
		return "malformed MQTT broker URL: " + err.Error()
	}
	if !slices.Contains(brokerSchemes, strings.ToLower(parsed.Scheme)) {
		return "unsupported MQTT broker URL scheme \"" + parsed.Scheme + "\": use tcp://, ssl://, ws:// or wss://"
	}
	if parsed.Hostname() == "" {
		return "malformed MQTT broker URL: no host"
	}
	if port := parsed.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "malformed MQTT broker URL: invalid port " + port
		}
	}
	return ""
}

// redactURL hides a password in a broker URL.
func redactURL(u string) string {
	if parsed, err := url.Parse(u); err == nil {
		return parsed.Redacted()
	}
	if at := strings.LastIndexByte(u, '@'); at >= 0 {
		return "xxxxx" + u[at:]
	}
	return u
}

// checkFilter returns why f is not a valid MQTT topic filter, or "" (MQTT 3.1.1 section 4.7).
func checkFilter(f string) string {
	if len(f) > 65535 {
		return "topic filter longer than 65535 bytes"
	}
	if !utf8.ValidString(f) || strings.ContainsRune(f, 0) {
		return "topic filter must be UTF-8 text without NUL characters"
	}
	if rest, ok := strings.CutPrefix(f, "$share/"); ok {
		group, filter, found := strings.Cut(rest, "/")
		if !found || group == "" || filter == "" {
			return "a shared subscription is written $share/<group>/<filter>"
		}
		if strings.ContainsAny(group, "+#") {
			return "a shared subscription group name cannot contain + or #"
		}
		f = filter
	}
	levels := strings.Split(f, "/")
	for i, l := range levels {
		if strings.Contains(l, "#") && (l != "#" || i != len(levels)-1) {
			return "the wildcard # must be a whole level and the last one"
		}
		if strings.Contains(l, "+") && l != "+" {
			return "the wildcard + must be a whole level"
		}
	}
	return ""
}

// checkKafkaTopic returns why name is not a legal Kafka topic name, or "" (Kafka's Topic.validate).
func checkKafkaTopic(name string) string {
	switch {
	case name == "":
		return "Topic name is illegal, it can't be empty"
	case name == "." || name == "..":
		return "Topic name cannot be \".\" or \"..\""
	case len(name) > 249:
		return "Topic name is illegal, it can't be longer than 249 characters"
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return "Topic name \"" + name + "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
		}
	}
	return ""
}

// isByteArrayConverter reports whether a converter class names Kafka's ByteArrayConverter (by class or alias).
func isByteArrayConverter(class string) bool {
	s := strings.TrimSpace(class)
	s = s[strings.LastIndexByte(s, '.')+1:]
	return s == "ByteArrayConverter" || s == "ByteArray"
}

// logLevel maps Camel's LoggingLevel names to slog levels; TRACE is below DEBUG.
func logLevel(name string) slog.Level {
	switch name {
	case "TRACE":
		return slog.LevelDebug - 4
	case "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// loadTLS reads the TLS files the config names; it returns nil when it names none.
func loadTLS(p *connector.Parsed, probs problems) *tls.Config {
	caKey := fieldSSLCACert
	if p.String(caKey) == "" && p.String(fieldTrustStorePath) != "" {
		caKey = fieldTrustStorePath
	}
	certKey, keyKey := fieldSSLCert, fieldSSLKey
	if p.String(certKey) == "" && p.String(keyKey) == "" && p.String(fieldKeyStorePath) != "" {
		certKey, keyKey = fieldKeyStorePath, fieldKeyStorePath
	}
	caFile, certFile, keyFile := p.String(caKey), p.String(certKey), p.String(keyKey)
	if caFile == "" && certFile == "" && keyFile == "" {
		return nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		if data, ok := readFile(caKey, caFile, probs); ok {
			pool := x509.NewCertPool()
			if pool.AppendCertsFromPEM(data) {
				cfg.RootCAs = pool
			} else {
				probs.invalid(caKey, caFile, "no PEM certificate in the file (Java key stores are not read)")
			}
		}
	}
	switch {
	case certFile == "" && keyFile == "":
	case keyFile == "":
		probs.add(fieldSSLKey, missing(fieldSSLKey, "")+" It is needed with "+fieldSSLCert+".")
	case certFile == "":
		probs.add(fieldSSLCert, missing(fieldSSLCert, "")+" It is needed with "+fieldSSLKey+".")
	default:
		certPEM, ok1 := readFile(certKey, certFile, probs)
		keyPEM, ok2 := certPEM, ok1
		if keyKey != certKey {
			keyPEM, ok2 = readFile(keyKey, keyFile, probs)
		}
		if ok1 && ok2 {
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				probs.invalid(keyKey, keyFile, "cannot use the client certificate and key: "+err.Error())
			} else {
				cfg.Certificates = []tls.Certificate{pair}
			}
		}
	}
	return cfg
}

// readFile reads the TLS file that key names, reporting a problem on key when it cannot.
func readFile(key, name string, probs problems) ([]byte, bool) {
	data, err := readRegularFile(name, maxTLSFileSize)
	if err != nil {
		probs.invalid(key, name, err.Error())
		return nil, false
	}
	return data, true
}

// maxTLSFileSize bounds a TLS file: PEM bundles, even of every public CA, take a few hundred KiB.
const maxTLSFileSize = 1 << 20

// readRegularFile reads name, which must be a regular file of at most limit bytes. The name comes from
// whoever may call the validate endpoint, and validation reads it: a FIFO would block it until a writer
// appears and a device such as /dev/zero would never end, so anything but a regular file is refused
// unread, and unopened where a Stat can tell.
func readRegularFile(name string, limit int64) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", err)
	}
	if err := regularWithin(fi, limit); err != nil {
		return nil, err
	}
	// The path may have been replaced since the Stat; O_NONBLOCK keeps the open of a FIFO from waiting for a
	// writer, and the checks are repeated on what was opened.
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", err)
	}
	if err := regularWithin(fi, limit); err != nil {
		return nil, err
	}
	// Read the size Stat reported and no more: pseudo-files (procfs, tracefs) report 0 and may stream without
	// end or block; a real PEM file is never empty, and an empty read is reported as holding no PEM.
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", err)
	}
	return data, nil
}

// regularWithin reports why fi cannot be read as a TLS file of at most limit bytes, or nil.
func regularWithin(fi os.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s)", fileKind(fi.Mode()))
	}
	if fi.Size() > limit {
		return fmt.Errorf("the file has %d bytes, more than the limit of %d bytes", fi.Size(), limit)
	}
	return nil
}

// fileKind names the type of a file that is not regular, for error messages.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	}
	return "mode " + m.String()
}
