package transforms_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
	"github.com/connectd/connectd/connector/transforms"
	"github.com/connectd/connectd/connector/transforms/transformtest"
)

// kafkaPlugins are the transformations and predicates of Kafka 3.9 that Register must provide.
var kafkaPlugins = func() []string {
	const tp, pp = "org.apache.kafka.connect.transforms.", "org.apache.kafka.connect.transforms.predicates."
	var out []string
	for _, b := range []string{"Cast", "ExtractField", "Flatten", "HeaderFrom", "HoistField", "InsertField", "MaskField",
		"ReplaceField", "SetSchemaMetadata", "TimestampConverter"} {
		out = append(out, tp+b+"$Key", tp+b+"$Value")
	}
	for _, b := range []string{"DropHeaders", "Filter", "InsertHeader", "RegexRouter", "TimestampRouter", "ValueToKey"} {
		out = append(out, tp+b)
	}
	for _, b := range []string{"HasHeaderKey", "RecordIsTombstone", "TopicNameMatches"} {
		out = append(out, pp+b)
	}
	return out
}()

// fuzzEnv is what the fuzz targets share: the registry, the converter, every plugin and the goldens.
type fuzzEnv struct {
	reg     *connector.Registry
	conv    *convert.JSONConverter
	plugins []*connector.TransformPlugin // in kafkaPlugins' order
	goldens []transformtest.File
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	e := &fuzzEnv{reg: connector.NewRegistry()}
	if err := transforms.Register(e.reg); err != nil {
		f.Fatal(err)
	}
	var err error
	if e.conv, err = transformtest.Converter(); err != nil {
		f.Fatal(err)
	}
	for _, class := range kafkaPlugins {
		p, err := e.reg.LookupTransform(class, connector.PluginTransformation)
		var typeErr *connector.PluginTypeError
		if errors.As(err, &typeErr) {
			p, err = e.reg.LookupTransform(class, connector.PluginPredicate)
		}
		if err != nil {
			f.Fatalf("%s: %v", class, err)
		}
		e.plugins = append(e.plugins, p)
	}
	if e.goldens, err = transformtest.ReadDir(filepath.Join("testdata", "golden")); err != nil {
		f.Fatal(err)
	}
	return e
}

// encodeConfig writes a config as the fuzz targets take it: "key=value" lines, sorted.
func encodeConfig(c map[string]string) string {
	lines := make([]string, 0, len(c))
	for k, v := range c {
		lines = append(lines, k+"="+v)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// decodeConfig reads "key=value" lines; a line without "=" is a key with an empty value.
func decodeConfig(s string) map[string]string {
	c := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		c[k] = v
	}
	return c
}

// fuzzRecords are the records FuzzTransformConfig applies a configured plugin to: schemaless, struct,
// tombstone, source.
var fuzzRecords = []string{
	`{"topic":"t","partition":0,"offset":1,"timestamp":0,"key":{"schema":null,"payload":{"a":1,"b":{"c":"x"}}},` +
		`"value":{"schema":null,"payload":{"a":"2023 01 02","ts":5,"m":{"k":[1,2]}}},"headers":[{"key":"a","value":{"schema":null,"payload":"v"}}]}`,
	`{"topic":"orders-1","partition":3,"offset":9,"timestamp":1700000000000,` +
		`"key":{"schema":{"type":"struct","fields":[{"field":"a","type":"int32","optional":false}],"optional":false},"payload":{"a":1}},` +
		`"value":{"schema":{"type":"struct","fields":[{"field":"a","type":"int64","optional":true,"default":3},` +
		`{"field":"ts","type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},` +
		`{"field":"s","type":"struct","fields":[{"field":"x","type":"string","optional":true}],"optional":true}],"optional":false},` +
		`"payload":{"a":null,"ts":86400000,"s":{"x":null}}},"headers":[]}`,
	`{"topic":"t","partition":0,"offset":null,"timestamp":null,"key":{"schema":null,"payload":null},"value":{"schema":null,"payload":null},"headers":[]}`,
	`{"topic":"","partition":null,"offset":null,"timestamp":-1,"key":{"schema":{"type":"string","optional":false},"payload":"k"},` +
		`"value":{"schema":{"type":"int64","optional":true},"payload":null},"headers":[{"key":"","value":{"schema":null,"payload":null}}]}`,
}

// FuzzTransformConfig builds every transformation and predicate from random configurations (seeded with the
// goldens' configurations) and applies the configured ones to a few records: no panic, a refused
// configuration is a *connector.ConfigError, no input record is modified.
func FuzzTransformConfig(f *testing.F) {
	e := newFuzzEnv(f)
	index := map[string]int{}
	for i, class := range kafkaPlugins {
		index[class] = i
	}
	for _, file := range e.goldens {
		for _, c := range file.Cases {
			f.Add(uint8(index[c.Class]), encodeConfig(c.Config))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, config string) {
		p := e.plugins[int(which)%len(e.plugins)]
		c := transformtest.Case{Name: "fuzz", Class: p.Class, Config: decodeConfig(config)}
		for _, r := range fuzzRecords {
			c.Record = json.RawMessage(r)
			if _, err := transformtest.Run(e.reg, e.conv, c); isBug(err) {
				t.Fatalf("%s %q on %s: %v", p.Class, c.Config, r, err)
			}
		}
	})
}

// FuzzTransformRecord applies every transformation and predicate to records made of random key and value
// envelopes (seeded with the corpus' records), each with one of the valid configurations the goldens use
// (chosen by the fuzzed which): errors are fine, a panic or a modified input record is not.
func FuzzTransformRecord(f *testing.F) {
	e := newFuzzEnv(f)
	// configs[i] are the distinct valid configurations of kafkaPlugins[i] in the goldens.
	configs := make([][]map[string]string, len(kafkaPlugins))
	index := map[string]int{}
	for i, class := range kafkaPlugins {
		index[class] = i
	}
	seenConfig := map[string]bool{}
	seenEnv := map[string]bool{}
	for _, file := range e.goldens {
		for _, c := range file.Cases {
			if k := c.Class + "\x00" + encodeConfig(c.Config); c.ConfigError == nil && !seenConfig[k] {
				seenConfig[k] = true
				configs[index[c.Class]] = append(configs[index[c.Class]], c.Config)
			}
			var r struct {
				Key, Value json.RawMessage
			}
			if err := json.Unmarshal(c.Record, &r); err != nil {
				f.Fatal(err)
			}
			if k := string(r.Key) + "\x00" + string(r.Value); !seenEnv[k] {
				seenEnv[k] = true
				f.Add(string(r.Key), string(r.Value), len(seenEnv)%2 == 0, uint16(len(seenEnv)))
			}
		}
	}
	for i, cs := range configs {
		if len(cs) == 0 {
			f.Fatalf("no valid configuration of %s in the goldens", kafkaPlugins[i])
		}
	}
	f.Fuzz(func(t *testing.T, key, value string, sink bool, which uint16) {
		if !json.Valid([]byte(key)) || !json.Valid([]byte(value)) {
			return
		}
		offset := "null"
		if sink {
			offset = "7"
		}
		raw := `{"topic":"fuzz","partition":0,"offset":` + offset + `,"timestamp":1700000000000,"key":` + key +
			`,"value":` + value + `,"headers":[{"key":"h","value":` + value + `}]}`
		if _, err := transformtest.DecodeRecord(e.conv, json.RawMessage(raw)); err != nil {
			return // not Connect data: the converter refuses it before any transformation runs
		}
		for i, class := range kafkaPlugins {
			config := configs[i][int(which)%len(configs[i])]
			c := transformtest.Case{Name: "fuzz", Class: class, Config: config, Record: json.RawMessage(raw)}
			if _, err := transformtest.Run(e.reg, e.conv, c); isBug(err) {
				t.Fatalf("%s %q on %s: %v", class, config, raw, err)
			}
		}
	})
}

// isBug tells connectd's failures from those a random input may cause.
func isBug(err error) bool {
	return errors.Is(err, transformtest.ErrPanic) || errors.Is(err, transformtest.ErrInputModified) ||
		errors.Is(err, transformtest.ErrConfigErrorType)
}
