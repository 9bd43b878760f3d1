package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strconv"
)

// This file holds the builders of the corpus: ordered JSON objects, Connect schemas as JsonConverter writes
// them, envelopes, records and the $Key/$Value pairs of cases.

// obj is a JSON object that keeps its members in the order given, so that the case files read like the
// records they describe.
type obj []member

type member struct {
	k string
	v any
}

// o builds an obj from alternating keys and values.
func o(kv ...any) obj {
	if len(kv)%2 != 0 {
		panic("o: odd number of arguments")
	}
	out := make(obj, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		out = append(out, member{kv[i].(string), kv[i+1]})
	}
	return out
}

func (m obj) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, e := range m {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshal(e.k)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		v, err := marshal(e.v)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// num is a JSON number written exactly as given (e.g. "1.50", "1e3").
type num string

func (n num) MarshalJSON() ([]byte, error) { return []byte(n), nil }

// schema is a Connect schema in JsonConverter's JSON form.
type schema struct {
	typ        string
	optional   bool
	def        any
	hasDef     bool
	name       string
	version    int
	doc        string
	params     obj
	fields     []field
	keys, vals *schema
	items      *schema
}

type field struct {
	name string
	s    *schema
}

func (s *schema) MarshalJSON() ([]byte, error) { return s.members().MarshalJSON() }

// members is the schema as an obj, in the order JsonConverter writes it.
func (s *schema) members() obj {
	m := o("type", s.typ)
	switch s.typ {
	case "struct":
		fs := make([]obj, 0, len(s.fields))
		for _, f := range s.fields {
			fs = append(fs, append(o("field", f.name), f.s.members()...))
		}
		m = append(m, member{"fields", fs})
	case "map":
		m = append(m, member{"keys", s.keys}, member{"values", s.vals})
	case "array":
		m = append(m, member{"items", s.items})
	}
	m = append(m, member{"optional", s.optional})
	if s.hasDef {
		m = append(m, member{"default", s.def})
	}
	if s.name != "" {
		m = append(m, member{"name", s.name})
	}
	if s.version != 0 {
		m = append(m, member{"version", s.version})
	}
	if s.doc != "" {
		m = append(m, member{"doc", s.doc})
	}
	if s.params != nil {
		m = append(m, member{"parameters", s.params})
	}
	return m
}

// prim returns a required schema of a primitive type ("int32", "string", ...).
func prim(typ string) *schema { return &schema{typ: typ} }

func structOf(fields ...field) *schema { return &schema{typ: "struct", fields: fields} }
func arrayOf(items *schema) *schema    { return &schema{typ: "array", items: items} }
func mapOf(k, v *schema) *schema       { return &schema{typ: "map", keys: k, vals: v} }
func f(name string, s *schema) field   { return field{name, s} }

// opt returns an optional copy of s.
func (s *schema) opt() *schema {
	c := *s
	c.optional = true
	return &c
}

// withDefault returns a copy of s with a default value (a payload in JsonConverter's form).
func (s *schema) withDefault(v any) *schema {
	c := *s
	c.def, c.hasDef = v, true
	return &c
}

// named returns a copy of s with a name and version (0 for none).
func (s *schema) named(name string, version int) *schema {
	c := *s
	c.name, c.version = name, version
	return &c
}

// withDoc returns a copy of s with a doc and parameters (alternating keys and values).
func (s *schema) withDoc(doc string, params ...string) *schema {
	c := *s
	c.doc = doc
	if len(params) > 0 {
		c.params = obj{}
		for i := 0; i < len(params); i += 2 {
			c.params = append(c.params, member{params[i], params[i+1]})
		}
	}
	return &c
}

// Kafka Connect's logical types, as JsonConverter writes their schemas.
func dateS() *schema { return prim("int32").named("org.apache.kafka.connect.data.Date", 1) }
func timeS() *schema { return prim("int32").named("org.apache.kafka.connect.data.Time", 1) }
func tsS() *schema   { return prim("int64").named("org.apache.kafka.connect.data.Timestamp", 1) }
func decS(scale int) *schema {
	s := prim("bytes").named("org.apache.kafka.connect.data.Decimal", 1)
	s.params = o("scale", strconv.Itoa(scale))
	return s
}

// dec is the BASE64 payload of a Decimal: the unscaled value's big-endian two's complement, as Java's
// BigInteger.toByteArray writes it.
func dec(unscaled int64) string {
	return base64.StdEncoding.EncodeToString(twosComplement(big.NewInt(unscaled)))
}

func twosComplement(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -x - 1 in bits, inverted.
	y := new(big.Int).Neg(x)
	y.Sub(y, big.NewInt(1))
	b := y.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	for i := range b {
		b[i] = ^b[i]
	}
	return b
}

// b64 is the BASE64 payload of a bytes value.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// env is a JsonConverter envelope.
type env struct {
	s       *schema
	payload any
}

func (e env) MarshalJSON() ([]byte, error) {
	var s any
	if e.s != nil {
		s = e.s
	}
	return o("schema", s, "payload", e.payload).MarshalJSON()
}

// with returns an envelope of payload under s.
func with(s *schema, payload any) env { return env{s, payload} }

// sl returns a schemaless envelope.
func sl(payload any) env { return env{nil, payload} }

// null is a null key or value without a schema.
var null = env{}

// header is one record header.
type header struct {
	key string
	v   env
}

// rec is a record of a case.
type rec struct {
	topic     string
	partition *int
	offset    *int64
	timestamp *int64
	key, val  env
	headers   []header
}

func (r rec) MarshalJSON() ([]byte, error) {
	hs := make([]obj, 0, len(r.headers))
	for _, h := range r.headers {
		hs = append(hs, o("key", h.key, "value", h.v))
	}
	var p, off, ts any
	if r.partition != nil {
		p = *r.partition
	}
	if r.offset != nil {
		off = *r.offset
	}
	if r.timestamp != nil {
		ts = *r.timestamp
	}
	return o("topic", r.topic, "partition", p, "offset", off, "timestamp", ts, "key", r.key, "value", r.val,
		"headers", hs).MarshalJSON()
}

func ptr[T any](v T) *T { return &v }

// The defaults of the records: a sink record consumed at offset 42 of partition 1 of test-topic.
const (
	defaultTopic     = "test-topic"
	defaultTimestamp = int64(1700000000000) // 2023-11-14T22:13:20Z
)

var defaultHeader = header{"trace", with(prim("string"), "abc-123")}

// sink returns a sink record of key and value with one header.
func sink(key, val env) rec {
	return rec{topic: defaultTopic, partition: ptr(1), offset: ptr(int64(42)), timestamp: ptr(defaultTimestamp),
		key: key, val: val, headers: []header{defaultHeader}}
}

// source returns a source record of key and value, partition and timestamp set, with one header.
func source(key, val env) rec {
	r := sink(key, val)
	r.offset = nil
	return r
}

func (r rec) withTopic(t string) rec { r.topic = t; return r }

func (r rec) withTimestamp(ts *int64) rec { r.timestamp = ts; return r }

func (r rec) withPartition(p *int) rec { r.partition = p; return r }

func (r rec) withHeaders(hs ...header) rec { r.headers = hs; return r }

// strKey is the key of the records whose value a $Value variant works on.
var strKey = with(prim("string"), "key-1")

// otherValue is the value of the records whose key a $Key variant works on.
var otherValue = with(prim("string"), "other")
