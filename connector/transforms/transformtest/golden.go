// Package transformtest runs the golden cases of the single message transforms: the case format shared with the
// Java oracle (test/integration/smtoracle), the runner that applies connectd's implementation to a case, and the
// structural comparison of two outcomes. connector/transforms' TestGolden and the integration suite's
// differential against Kafka's own jar both use it. Import it from tests only.
//
// # The format
//
// A golden file, connector/transforms/testdata/golden/<Base>.jsonl, holds one case per line:
//
//	{"name": "...", "class": "org.apache.kafka.connect.transforms.Cast$Value",
//	 "config": {"spec": "int32:string"},   // the plugin's own keys, as configure() receives them
//	 "record": REC,                        // the input
//	 "want": REC | null,                   // the result; null = dropped
//	 "test": true | false,                 // predicates: Predicate.test's answer
//	 "error": "...", "errorClass": "...",  // apply() threw
//	 "configError": "..."}                 // configure() threw a ConfigException
//
//	REC = {"topic": "t", "partition": 0 | null, "offset": 7 | null, "timestamp": 1700000000000 | null,
//	       "key": ENV, "value": ENV, "headers": [{"key": "h", "value": ENV}, ...]}
//
// A record with an offset is a sink record (Java's SinkRecord, Record.Offset set), without one a source record.
// ENV is Kafka's JsonConverter envelope {"schema": ..., "payload": ...} with schemas.enable=true,
// decimal.format=BASE64 and replace.null.with.default=false, so that a null field with a default stays null
// through the converter and the transformation's own replace.null.with.default decides. Header values use the
// same envelope. The case files under testdata/cases hold the same lines without an outcome.
//
// # The comparison
//
// Outcomes are compared as parsed JSON, with Go's map order and Java's HashMap order both irrelevant: numbers
// compare as numbers (1.0 equals 1), objects (struct and string-keyed map payloads, schema parameters) by their
// members, and the [key, value] pair arrays of maps with non-string keys as multisets. Struct fields, arrays,
// headers and schema fields keep their order. Error and configError messages and error classes compare exactly.
package transformtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
)

// Case is one line of a case or golden file. Exactly one of Want, Test, Error or ConfigError is set in a golden
// line; none in a case line.
type Case struct {
	Name   string            `json:"name"`
	Class  string            `json:"class"`
	Config map[string]string `json:"config"`
	Record json.RawMessage   `json:"record"`
	// Want is the resulting record, or the JSON literal null when the record was dropped.
	Want        json.RawMessage `json:"want,omitempty"`
	Test        *bool           `json:"test,omitempty"`
	Error       *string         `json:"error,omitempty"`
	ErrorClass  string          `json:"errorClass,omitempty"`
	ConfigError *string         `json:"configError,omitempty"`
}

// File is the cases of one file, named by its base name (e.g. "Cast" for Cast.jsonl).
type File struct {
	Base  string
	Cases []Case
}

// ReadFile reads the cases of a .jsonl file. Unknown members are an error, so a misspelt outcome never passes.
func ReadFile(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cases []Case
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var c Case
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cases, nil
}

// ReadDir reads every *.jsonl file of dir, sorted by name.
func ReadDir(dir string) ([]File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var files []File
	for _, p := range paths {
		cases, err := ReadFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Base: strings.TrimSuffix(filepath.Base(p), ".jsonl"), Cases: cases})
	}
	return files, nil
}

// Marshal writes c as one line of a case or golden file, without the trailing newline, with the members in
// the format's order and "<", ">" and "&" left as they are.
func Marshal(c Case) ([]byte, error) {
	if c.Config == nil {
		c.Config = map[string]string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Converter returns the JsonConverter the cases are written with (schemas.enable=true, decimal.format=BASE64,
// replace.null.with.default=false).
func Converter() (*convert.JSONConverter, error) {
	c := convert.NewJSON()
	if err := c.Configure(map[string]string{
		convert.KeySchemasEnable:          "true",
		convert.KeyDecimalFormat:          "BASE64",
		convert.KeyReplaceNullWithDefault: "false",
	}, false); err != nil {
		return nil, err
	}
	return c, nil
}

// converterTopic is the topic name handed to the converter; JsonConverter ignores it.
const converterTopic = "smt-golden"

// wireRecord is REC.
type wireRecord struct {
	Topic     string          `json:"topic"`
	Partition *int32          `json:"partition"`
	Offset    *int64          `json:"offset"`
	Timestamp *int64          `json:"timestamp"`
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value"`
	Headers   []wireHeader    `json:"headers"`
}

type wireHeader struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// nullEnvelope is the envelope of a null key, value or header without a schema.
var nullEnvelope = json.RawMessage(`{"schema":null,"payload":null}`)

// DecodeRecord turns REC into a connector.Record with conv.
func DecodeRecord(conv *convert.JSONConverter, raw json.RawMessage) (*connector.Record, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var w wireRecord
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	rec := &connector.Record{Topic: w.Topic, Partition: w.Partition, Offset: w.Offset}
	if w.Timestamp != nil {
		rec.Timestamp = time.UnixMilli(*w.Timestamp)
	}
	var err error
	if rec.KeySchema, rec.Key, err = decodeEnvelope(conv, w.Key); err != nil {
		return nil, fmt.Errorf("record key: %w", err)
	}
	if rec.ValueSchema, rec.Value, err = decodeEnvelope(conv, w.Value); err != nil {
		return nil, fmt.Errorf("record value: %w", err)
	}
	for _, h := range w.Headers {
		s, v, err := decodeEnvelope(conv, h.Value)
		if err != nil {
			return nil, fmt.Errorf("record header %s: %w", h.Key, err)
		}
		rec.Headers = append(rec.Headers, connector.Header{Key: h.Key, Schema: s, Value: v})
	}
	return rec, nil
}

func decodeEnvelope(conv *convert.JSONConverter, raw json.RawMessage) (*connector.Schema, any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil, nil
	}
	return conv.ToConnectData(converterTopic, raw)
}

// EncodeRecord turns rec into REC with conv.
func EncodeRecord(conv *convert.JSONConverter, rec *connector.Record) (json.RawMessage, error) {
	w := wireRecord{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Headers: []wireHeader{}}
	if !rec.Timestamp.IsZero() {
		ms := rec.Timestamp.UnixMilli()
		w.Timestamp = &ms
	}
	var err error
	if w.Key, err = encodeEnvelope(conv, rec.KeySchema, rec.Key); err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	if w.Value, err = encodeEnvelope(conv, rec.ValueSchema, rec.Value); err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	for _, h := range rec.Headers {
		v, err := encodeEnvelope(conv, h.Schema, h.Value)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", h.Key, err)
		}
		w.Headers = append(w.Headers, wireHeader{Key: h.Key, Value: v})
	}
	return json.Marshal(w)
}

func encodeEnvelope(conv *convert.JSONConverter, s *connector.Schema, v any) (json.RawMessage, error) {
	b, err := conv.FromConnectData(converterTopic, s, v)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nullEnvelope, nil
	}
	return b, nil
}

// Failures of Run that are connectd's fault, whatever the case: tests (the fuzz targets) tell them apart from
// the failures a random case may cause (a record that does not decode, a result the converter refuses) with
// errors.Is.
var (
	// ErrPanic is a panic in the plugin.
	ErrPanic = errors.New("panic")
	// ErrInputModified is a transformation or predicate that modified the record it was given.
	ErrInputModified = errors.New("the input record was modified")
	// ErrConfigErrorType is a failed NewTransformation or NewPredicate whose error is not a *connector.ConfigError.
	ErrConfigErrorType = errors.New("the configuration failed without a *connector.ConfigError")
)

// Run applies the case's plugin, looked up in reg by class, to the case's record and returns the case with
// connectd's outcome in place of any it had. An error means the case could not be run at all: an unknown class,
// a record that does not decode, a result that does not encode, or one of the errors above.
func Run(reg *connector.Registry, conv *convert.JSONConverter, c Case) (got Case, err error) {
	got = Case{Name: c.Name, Class: c.Class, Config: c.Config, Record: c.Record}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v\n%s", ErrPanic, p, debug.Stack())
		}
	}()
	config := c.Config
	if config == nil {
		config = map[string]string{}
	}
	plugin, err := reg.LookupTransform(c.Class, connector.PluginTransformation)
	var typeErr *connector.PluginTypeError
	if errors.As(err, &typeErr) {
		plugin, err = reg.LookupTransform(c.Class, connector.PluginPredicate)
	}
	if err != nil {
		return got, err
	}
	rec, err := DecodeRecord(conv, c.Record)
	if err != nil {
		return got, err
	}
	// The input as the converter writes it, to compare with after the call (c.Record may be written otherwise).
	before, err := EncodeRecord(conv, rec)
	if err != nil {
		return got, fmt.Errorf("the input record does not encode: %w", err)
	}
	if plugin.Type == connector.PluginPredicate {
		p, err := plugin.NewPredicate(config)
		if err != nil {
			return got, configOutcome(&got, err)
		}
		r := p.Test(rec)
		got.Test = &r
		return got, checkUnchanged(conv, before, rec)
	}
	t, err := plugin.NewTransformation(config)
	if err != nil {
		return got, configOutcome(&got, err)
	}
	out, err := t.Apply(rec)
	if err != nil {
		msg := err.Error()
		got.Error = &msg
		got.ErrorClass = JavaClass(err)
		return got, checkUnchanged(conv, before, rec)
	}
	if out == nil {
		got.Want = json.RawMessage("null")
	} else if got.Want, err = EncodeRecord(conv, out); err != nil {
		return got, fmt.Errorf("the result does not encode: %w", err)
	}
	return got, checkUnchanged(conv, before, rec)
}

// configOutcome records a failed NewTransformation/NewPredicate: Kafka's ConfigException is a
// *connector.ConfigError; anything else is a harness failure, as a Java configure() throwing something else
// would be a crash of the worker's validation.
func configOutcome(got *Case, err error) error {
	var ce *connector.ConfigError
	if !errors.As(err, &ce) {
		return fmt.Errorf("%w: %T: %w", ErrConfigErrorType, err, err)
	}
	msg := err.Error()
	got.ConfigError = &msg
	return nil
}

// JavaClass is the Java exception class an error stands for (its JavaClass method, through any wrapping), or
// "" when it names none.
func JavaClass(err error) string {
	var jc interface{ JavaClass() string }
	if errors.As(err, &jc) {
		return jc.JavaClass()
	}
	return ""
}

// checkUnchanged fails when the transformation modified the record it was given: the contract says it builds
// a new one.
func checkUnchanged(conv *convert.JSONConverter, orig json.RawMessage, rec *connector.Record) error {
	again, err := EncodeRecord(conv, rec)
	if err != nil {
		return fmt.Errorf("%w: it no longer encodes: %w", ErrInputModified, err)
	}
	if d := DiffRecords(orig, again); d != "" {
		return fmt.Errorf("%w: %s", ErrInputModified, d)
	}
	return nil
}

// Diff compares the outcome of got with that of want and returns "" when they are the same, or a description
// of the first difference.
func Diff(want, got Case) string {
	wk, gk := outcome(want), outcome(got)
	if wk != gk {
		return fmt.Sprintf("want %s, got %s", describe(want), describe(got))
	}
	switch wk {
	case "configError":
		if *want.ConfigError != *got.ConfigError {
			return fmt.Sprintf("configError:\n want %q\n  got %q", *want.ConfigError, *got.ConfigError)
		}
	case "error":
		if *want.Error != *got.Error {
			return fmt.Sprintf("error:\n want %q\n  got %q", *want.Error, *got.Error)
		}
		if want.ErrorClass != got.ErrorClass {
			return fmt.Sprintf("errorClass: want %q, got %q (message %q)", want.ErrorClass, got.ErrorClass, *got.Error)
		}
	case "test":
		if *want.Test != *got.Test {
			return fmt.Sprintf("test: want %v, got %v", *want.Test, *got.Test)
		}
	case "want":
		if d := DiffRecords(want.Want, got.Want); d != "" {
			return d + "\n want " + string(want.Want) + "\n  got " + string(got.Want)
		}
	}
	return ""
}

// DiffInput compares what two lines of the same case run on: name, class, config and record.
func DiffInput(want, got Case) string {
	switch {
	case want.Name != got.Name:
		return fmt.Sprintf("name: want %q, got %q", want.Name, got.Name)
	case want.Class != got.Class:
		return fmt.Sprintf("class: want %q, got %q", want.Class, got.Class)
	case !equalConfig(want.Config, got.Config):
		return fmt.Sprintf("config: want %v, got %v", want.Config, got.Config)
	}
	if d := DiffRecords(want.Record, got.Record); d != "" {
		return "record: " + d
	}
	return ""
}

func equalConfig(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func outcome(c Case) string {
	switch {
	case c.ConfigError != nil:
		return "configError"
	case c.Error != nil:
		return "error"
	case c.Test != nil:
		return "test"
	case c.Want != nil:
		return "want"
	}
	return "no outcome"
}

func describe(c Case) string {
	switch outcome(c) {
	case "configError":
		return fmt.Sprintf("configError %q", *c.ConfigError)
	case "error":
		return fmt.Sprintf("error %s %q", c.ErrorClass, *c.Error)
	case "test":
		return fmt.Sprintf("test %v", *c.Test)
	case "want":
		return "want " + string(c.Want)
	}
	return "no outcome"
}
