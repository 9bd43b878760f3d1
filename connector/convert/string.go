package convert

import (
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/javajson"
)

// StringSpec returns the configuration of StringConverter (StringConverterConfig).
func StringSpec() *connector.Spec {
	return connector.NewSpec(
		converterTypeField(),
		connector.String(KeyEncoding).WithDefault("UTF-8").Imp(connector.High).
			Documentation("The name of the Java character set to use for encoding strings as byte arrays.").
			Display("Encoding", connector.WidthMedium),
	)
}

// charset is one of the character sets StringConverter supports.
type charset int

const (
	charsetUTF8 charset = iota
	charsetLatin1
	charsetASCII
)

// charsetByName resolves the Java names (and common aliases) of the supported character sets.
func charsetByName(name string) (charset, bool) {
	switch strings.ToUpper(strings.ReplaceAll(name, "_", "-")) {
	case "UTF-8", "UTF8":
		return charsetUTF8, true
	case "ISO-8859-1", "ISO8859-1", "LATIN1", "ISO-LATIN-1", "8859-1", "CP819", "L1":
		return charsetLatin1, true
	case "US-ASCII", "ASCII", "ISO646-US", "646", "CP367":
		return charsetASCII, true
	}
	return 0, false
}

// encode is String.getBytes(charset): characters the charset lacks become '?'.
func (cs charset) encode(s string) []byte {
	if cs == charsetUTF8 {
		return []byte(strings.ToValidUTF8(s, "\uFFFD"))
	}
	limit := rune(0xff)
	if cs == charsetASCII {
		limit = 0x7f
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > limit {
			r = '?'
		}
		out = append(out, byte(r))
	}
	return out
}

// decode is new String(bytes, charset): undecodable bytes become U+FFFD.
func (cs charset) decode(b []byte) string {
	switch cs {
	case charsetLatin1:
		out := make([]rune, len(b))
		for i, c := range b {
			out[i] = rune(c)
		}
		return string(out)
	case charsetASCII:
		out := make([]byte, 0, len(b))
		for _, c := range b {
			if c > 0x7f {
				out = utf8.AppendRune(out, utf8.RuneError)
				continue
			}
			out = append(out, c)
		}
		return string(out)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// StringConverter is org.apache.kafka.connect.storage.StringConverter: it writes a value's text, as Java's
// toString gives it (see [Text]), in converter.encoding, and reads any bytes as an optional string. Its zero
// value uses UTF-8. converter.encoding supports UTF-8, ISO-8859-1 and US-ASCII (with their Java aliases).
type StringConverter struct {
	cs charset
}

// NewString returns a StringConverter writing UTF-8.
func NewString() *StringConverter { return &StringConverter{} }

// Configure applies the converter's settings.
func (c *StringConverter) Configure(config map[string]string, isKey bool) error {
	return c.configure(config, converterType(isKey))
}

func (c *StringConverter) configure(config map[string]string, typ string) error {
	p, err := StringSpec().Parse(withType(config, typ))
	if err != nil {
		return err
	}
	name := p.String(KeyEncoding)
	cs, ok := charsetByName(name)
	if !ok {
		return fmt.Errorf("invalid value %s for configuration %s: unsupported character set (connectd supports UTF-8, ISO-8859-1 and US-ASCII)",
			name, KeyEncoding)
	}
	c.cs = cs
	return nil
}

// HeaderConverter returns c as a connector.HeaderConverter, as Kafka registers StringConverter for headers
// too.
func (c *StringConverter) HeaderConverter() connector.HeaderConverter { return &headerAdapter{c: c} }

// FromConnectData writes the value's text; the schema only picks the scale of a Decimal. A nil value gives
// nil bytes.
func (c *StringConverter) FromConnectData(_ string, schema *connector.Schema, value any) ([]byte, error) {
	if isNil(value) {
		return nil, nil
	}
	switch v := value.(type) {
	case string:
		return c.cs.encode(v), nil // its text is itself: skip the copy text would make
	case []byte:
		return v, nil
	case connector.RawJSON:
		return v, nil
	}
	return c.cs.encode(text(schema, value)), nil
}

// ToConnectData returns the text with an optional STRING schema; nil data gives a nil value.
func (c *StringConverter) ToConnectData(_ string, data []byte) (*connector.Schema, any, error) {
	schema := &connector.Schema{Type: connector.TypeString, Optional: true}
	if data == nil {
		return schema, nil, nil
	}
	return schema, c.cs.decode(data), nil
}

// Text returns value as Java's toString renders the equivalent Java value, which is what StringConverter and
// FileStreamSinkTask write: nil is "null"; floats use Double.toString and Float.toString; lists print as
// "[a, b]"; maps as "{k=v, k2=v2}" (keys sorted); structs as "Struct{name=x,id=1}" (null fields left out);
// Date, Time and Timestamp values as Date.toString in UTC ("Thu Jan 01 00:00:00 UTC 1970"); decimals as
// BigDecimal.toString. A []byte or connector.RawJSON is written as its bytes taken as text, where Java
// would print an array reference.
func Text(value any) string { return text(nil, value) }

func text(schema *connector.Schema, value any) string {
	var sb strings.Builder
	appendText(&sb, schema, value, 0)
	return sb.String()
}

func appendText(sb *strings.Builder, schema *connector.Schema, value any, depth int) {
	if depth > 100 {
		sb.WriteString("...")
		return
	}
	if isNil(value) {
		sb.WriteString("null")
		return
	}
	switch v := value.(type) {
	case string:
		sb.WriteString(v)
	case bool:
		sb.WriteString(strconv.FormatBool(v))
	case float64:
		sb.WriteString(javajson.FormatDouble(v))
	case float32:
		sb.WriteString(javajson.FormatFloat(v))
	case []byte:
		sb.Write(v)
	case connector.RawJSON:
		sb.Write(v)
	case time.Time:
		sb.WriteString(v.UTC().Format("Mon Jan 02 15:04:05 UTC 2006"))
	case *big.Rat:
		if schema != nil && schema.Name == DecimalName {
			if unscaled, scale, err := decimalUnscaled(schema, v); err == nil {
				sb.WriteString(BigDecimalString(unscaled, scale))
				return
			}
		}
		sb.WriteString(ratString(v))
	case *big.Int:
		sb.WriteString(v.String())
	case *connector.Struct:
		appendStructText(sb, v, depth)
	case connector.Struct:
		appendStructText(sb, &v, depth)
	default:
		if n, ok := asInt64(v); ok {
			sb.WriteString(strconv.FormatInt(n, 10))
			return
		}
		if list, ok := listValues(v); ok {
			var elem *connector.Schema
			if schema != nil {
				elem = schema.ValueSchema
			}
			sb.WriteByte('[')
			for i, e := range list {
				if i > 0 {
					sb.WriteString(", ")
				}
				appendText(sb, elem, e, depth+1)
			}
			sb.WriteByte(']')
			return
		}
		if entries, _, ok := mapEntries(v); ok {
			var ks, vs *connector.Schema
			if schema != nil {
				ks, vs = schema.KeySchema, schema.ValueSchema
			}
			type kv struct{ k, v string }
			out := make([]kv, len(entries))
			for i, e := range entries {
				out[i] = kv{text(ks, e.Key), ""}
				var b strings.Builder
				appendText(&b, vs, e.Value, depth+1)
				out[i].v = b.String()
			}
			slices.SortFunc(out, func(a, b kv) int { return strings.Compare(a.k, b.k) })
			sb.WriteByte('{')
			for i, e := range out {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(e.k)
				sb.WriteByte('=')
				sb.WriteString(e.v)
			}
			sb.WriteByte('}')
			return
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
			sb.WriteString(rv.String())
			return
		}
		fmt.Fprint(sb, v)
	}
}

func appendStructText(sb *strings.Builder, st *connector.Struct, depth int) {
	sb.WriteString("Struct{")
	first := true
	for i, v := range st.Values {
		if isNil(v) || st.Schema == nil || i >= len(st.Schema.Fields) {
			continue
		}
		if !first {
			sb.WriteByte(',')
		}
		first = false
		f := st.Schema.Fields[i]
		sb.WriteString(f.Name)
		sb.WriteByte('=')
		appendText(sb, f.Schema, v, depth+1)
	}
	sb.WriteByte('}')
}
