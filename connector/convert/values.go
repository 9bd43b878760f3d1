package convert

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/javajson"
)

// This file follows Kafka's org.apache.kafka.connect.data.Values: convertToString, which writes a header
// value as text, and parseString, which infers a schema and value back from such text.

// Layouts of Values' ISO-8601 formats.
const (
	isoDate      = "2006-01-02"
	isoTime      = "15:04:05.000Z"
	isoTimestamp = "2006-01-02T15:04:05.000Z"
)

// convertToString is Values.convertToString for a non-nil value.
func convertToString(schema *connector.Schema, value any) (string, error) {
	var sb strings.Builder
	if err := appendValueString(&sb, schema, value, false, 0); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// escapeEmbedded is Values.escape: backslashes and double quotes get a backslash.
func escapeEmbedded(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`)
}

func appendValueString(sb *strings.Builder, schema *connector.Schema, value any, embedded bool, depth int) error {
	if depth > 100 {
		return dataError("value nests too deeply to serialize")
	}
	if isNil(value) {
		sb.WriteString("null")
		return nil
	}
	quoted := func(s string) {
		if embedded {
			sb.WriteByte('"')
			sb.WriteString(escapeEmbedded(s))
			sb.WriteByte('"')
			return
		}
		sb.WriteString(s)
	}
	switch v := value.(type) {
	case string:
		quoted(v)
	case connector.RawJSON:
		quoted(string(v))
	case bool:
		sb.WriteString(strconv.FormatBool(v))
	case float64:
		sb.WriteString(javajson.FormatDouble(v))
	case float32:
		sb.WriteString(javajson.FormatFloat(v))
	case *big.Rat:
		sb.WriteString(text(schema, v))
	case *big.Int:
		sb.WriteString(v.String())
	case []byte:
		// Base64 has no characters that need escaping.
		if embedded {
			sb.WriteByte('"')
		}
		sb.WriteString(base64.StdEncoding.EncodeToString(v))
		if embedded {
			sb.WriteByte('"')
		}
	case time.Time:
		sb.WriteString(formatTemporal(v))
	case *connector.Struct:
		return appendStructString(sb, v, depth)
	case connector.Struct:
		return appendStructString(sb, &v, depth)
	default:
		if n, ok := asInt64(v); ok {
			sb.WriteString(strconv.FormatInt(n, 10))
			return nil
		}
		if list, ok := listValues(v); ok {
			var elem *connector.Schema
			if schema != nil {
				elem = schema.ValueSchema
			}
			sb.WriteByte('[')
			for i, e := range list {
				if i > 0 {
					sb.WriteByte(',')
				}
				if err := appendValueString(sb, elem, e, true, depth+1); err != nil {
					return err
				}
			}
			sb.WriteByte(']')
			return nil
		}
		if entries, _, ok := mapEntries(v); ok {
			var ks, vs *connector.Schema
			if schema != nil {
				ks, vs = schema.KeySchema, schema.ValueSchema
			}
			rendered := make([]string, 0, len(entries))
			for _, e := range entries {
				var b strings.Builder
				if err := appendValueString(&b, ks, e.Key, true, depth+1); err != nil {
					return err
				}
				b.WriteByte(':')
				if err := appendValueString(&b, vs, e.Value, true, depth+1); err != nil {
					return err
				}
				rendered = append(rendered, b.String())
			}
			slices.Sort(rendered)
			sb.WriteByte('{')
			sb.WriteString(strings.Join(rendered, ","))
			sb.WriteByte('}')
			return nil
		}
		return dataError(fmt.Sprintf("Failed to serialize unexpected value type %T: %v", value, value))
	}
	return nil
}

// appendStructString writes {"field":value,...}, substituting field defaults for nulls as Struct.get does.
func appendStructString(sb *strings.Builder, st *connector.Struct, depth int) error {
	sb.WriteByte('{')
	if st.Schema != nil {
		for i, f := range st.Schema.Fields {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte('"')
			sb.WriteString(escapeEmbedded(f.Name))
			sb.WriteString(`":`)
			var v any
			if i < len(st.Values) {
				v = st.Values[i]
			}
			if isNil(v) && f.Schema != nil {
				v = f.Schema.Default
			}
			if err := appendValueString(sb, f.Schema, v, true, depth+1); err != nil {
				return err
			}
		}
	}
	sb.WriteByte('}')
	return nil
}

// formatTemporal is Values.dateFormatFor: a time of day for instants within the first day after the epoch, a
// date for midnights, a timestamp otherwise. connectd formats in UTC.
func formatTemporal(t time.Time) string {
	ms := t.UnixMilli()
	t = time.UnixMilli(ms).UTC()
	switch {
	case ms < millisPerDay:
		return t.Format(isoTime)
	case ms%millisPerDay == 0:
		return t.Format(isoDate)
	}
	return t.Format(isoTimestamp)
}

// ParseString is Kafka's Values.parseString: it infers a schema and value from text, as the SimpleHeaderConverter
// reads a header and InsertHeader types its value.literal ("1" is an INT8, "[1,2]" an array of INT8, "" an empty
// STRING). It returns nil, nil for "null"; text that parses as nothing else is a STRING.
func ParseString(s string) (*connector.Schema, any) { return parseString(s) }

// parseString is Values.parseString: it infers a schema and value from text. It returns nil, nil for "null".
func parseString(s string) (*connector.Schema, any) {
	if s == "" {
		return &connector.Schema{Type: connector.TypeString}, ""
	}
	vp := valueParser{p: &tokenizer{orig: s}}
	sv, err := vp.parse(false)
	if err != nil || sv == nil {
		// Top-level parsing falls back to the whole text as a string rather than failing; nil is "null".
		if err != nil {
			return &connector.Schema{Type: connector.TypeString}, s
		}
		return nil, nil
	}
	return sv.schema, sv.value
}

// schemaAndValue is one parsed value; a nil *schemaAndValue is Java's null.
type schemaAndValue struct {
	schema *connector.Schema
	value  any
}

// tokenizer is Values.Parser: it splits text at the unescaped delimiters : , { } [ ] " and returns each
// delimiter as a token of its own.
type tokenizer struct {
	orig    string
	pos     int
	peeked  bool
	peek    string
	prev    string
	hasPrev bool
}

func (t *tokenizer) mark() int {
	if t.peeked {
		return t.pos - len(t.peek)
	}
	return t.pos
}

func (t *tokenizer) rewindTo(pos int) {
	t.pos = pos
	t.peeked = false
	t.peek = ""
	t.prev = ""
	t.hasPrev = false
}

func (t *tokenizer) hasNext() bool { return t.peeked || t.pos < len(t.orig) }

func (t *tokenizer) next() string {
	if t.peeked {
		t.prev = t.peek
		t.peeked = false
	} else {
		t.prev = t.consume()
	}
	t.hasPrev = true
	return t.prev
}

// nextN consumes n tokens and returns the text they span, or false (consuming nothing) if there are fewer.
func (t *tokenizer) nextN(n int) (string, bool) {
	start := t.mark()
	for range n {
		if !t.hasNext() {
			t.rewindTo(start)
			return "", false
		}
		t.next()
	}
	return t.orig[start:t.pos], true
}

func (t *tokenizer) consume() string {
	escaped := false
	start := t.pos
	for t.pos < len(t.orig) {
		switch c := t.orig[t.pos]; c {
		case '\\':
			escaped = !escaped
		case ':', ',', '{', '}', '[', ']', '"':
			if !escaped {
				if start < t.pos {
					return t.orig[start:t.pos]
				}
				t.pos++
				return t.orig[start:t.pos]
			}
			escaped = false
		default:
			escaped = false
		}
		t.pos++
	}
	return t.orig[start:t.pos]
}

// canConsume consumes the next non-blank token if, trimmed, it equals expected.
func (t *tokenizer) canConsume(expected string) bool {
	if !t.peeked {
		if !t.hasNext() {
			return false
		}
		t.peek, t.peeked = t.consume(), true
	}
	for isBlank(t.peek) && t.pos < len(t.orig) {
		t.peek = t.consume()
	}
	if javaTrim(t.peek) == expected {
		t.peeked = false
		t.peek = ""
		return true
	}
	return false
}

// javaTrim is Java's String.trim: it strips every char <= U+0020 at both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

func isBlank(s string) bool { return javaTrim(s) == "" }

var errParse = errors.New("unparsable value")

// valueParser is Values.ValueParser. Its errors stand for Kafka's DataException and make the enclosing
// array or map fall back to text.
type valueParser struct {
	p *tokenizer
}

func (vp *valueParser) literal(embedded bool, lit string) bool {
	start := vp.p.mark()
	if vp.p.canConsume(lit) && (embedded || !vp.p.hasNext()) {
		return true
	}
	vp.p.rewindTo(start)
	return false
}

func (vp *valueParser) parse(embedded bool) (*schemaAndValue, error) {
	p := vp.p
	switch {
	case !p.hasNext():
		return nil, nil
	case embedded && p.canConsume(`"`):
		return vp.parseQuotedString(), nil
	case vp.literal(embedded, "null"):
		return nil, nil
	case vp.literal(embedded, "true"):
		return &schemaAndValue{&connector.Schema{Type: connector.TypeBoolean}, true}, nil
	case vp.literal(embedded, "false"):
		return &schemaAndValue{&connector.Schema{Type: connector.TypeBoolean}, false}, nil
	}
	start := p.mark()
	if p.canConsume("[") {
		if sv, err := vp.parseArray(); err == nil {
			return sv, nil
		}
		p.rewindTo(start)
	} else if p.canConsume("{") {
		if sv, err := vp.parseMap(); err == nil {
			return sv, nil
		}
		p.rewindTo(start)
	}
	token := p.next()
	if isBlank(token) {
		return &schemaAndValue{&connector.Schema{Type: connector.TypeString}, token}, nil
	}
	return vp.parseNextToken(embedded, javaTrim(token))
}

func (vp *valueParser) parseNextToken(embedded bool, token string) (*schemaAndValue, error) {
	first, _ := utf8.DecodeRuneInString(token)
	digit := unicode.IsDigit(first)
	if digit {
		if sv := vp.parseMultipleTokensAsTemporal(token); sv != nil {
			return sv, nil
		}
	}
	if digit || first == '+' || first == '-' {
		if sv, ok := parseAsNumber(token); ok {
			return sv, nil
		}
	}
	if embedded {
		return nil, fmt.Errorf("%w: failed to parse embedded value", errParse)
	}
	return &schemaAndValue{&connector.Schema{Type: connector.TypeString}, vp.p.orig}, nil
}

// parseMultipleTokensAsTemporal tries the token joined with the next four, because the colons of a time
// split it into five tokens, then the token alone.
func (vp *valueParser) parseMultipleTokensAsTemporal(token string) *schemaAndValue {
	pos := vp.p.mark()
	if rest, ok := vp.p.nextN(4); ok {
		if sv := parseAsTemporal(token + rest); sv != nil {
			return sv
		}
	}
	vp.p.rewindTo(pos)
	return parseAsTemporal(token)
}

func (vp *valueParser) parseQuotedString() *schemaAndValue {
	var sb strings.Builder
	for vp.p.hasNext() {
		if vp.p.canConsume(`"`) {
			break
		}
		sb.WriteString(vp.p.next())
	}
	content := sb.String()
	if sv := parseAsTemporal(content); sv != nil {
		return sv
	}
	return &schemaAndValue{&connector.Schema{Type: connector.TypeString}, content}
}

func (vp *valueParser) parseArray() (*schemaAndValue, error) {
	p := vp.p
	var result []any
	var merger schemaMerger
	for p.hasNext() {
		if p.canConsume("]") {
			schema := &connector.Schema{Type: connector.TypeArray}
			if merger.common != nil {
				schema.ValueSchema = merger.common
				aligned := make([]any, len(result))
				for i, v := range result {
					cv, err := convertTo(merger.common, v)
					if err != nil {
						return nil, err
					}
					aligned[i] = cv
				}
				result = aligned
			}
			if result == nil {
				result = []any{}
			}
			return &schemaAndValue{schema, result}, nil
		}
		if p.canConsume(",") {
			return nil, fmt.Errorf("%w: unable to parse an empty array element", errParse)
		}
		el, err := vp.parse(true)
		if err != nil {
			return nil, err
		}
		merger.merge(el)
		if el != nil {
			result = append(result, el.value)
		} else {
			result = append(result, nil)
		}
		cur := p.mark()
		if p.canConsume("]") {
			p.rewindTo(cur)
		} else if !p.canConsume(",") {
			return nil, fmt.Errorf("%w: array elements missing ',' delimiter", errParse)
		}
	}
	return nil, fmt.Errorf("%w: array is missing terminating ']'", errParse)
}

func (vp *valueParser) parseMap() (*schemaAndValue, error) {
	p := vp.p
	type entry struct{ k, v any }
	var entries []entry
	index := map[any]int{}
	var keys, values schemaMerger
	for p.hasNext() {
		if p.canConsume("}") {
			schema := &connector.Schema{Type: connector.TypeMap, KeySchema: keys.common}
			if keys.common != nil && values.common != nil {
				schema.ValueSchema = values.common
			}
			for i := range entries {
				var err error
				if keys.common != nil {
					if entries[i].k, err = convertTo(keys.common, entries[i].k); err != nil {
						return nil, err
					}
				}
				if schema.ValueSchema != nil {
					if entries[i].v, err = convertTo(values.common, entries[i].v); err != nil {
						return nil, err
					}
				}
			}
			if keys.common != nil && keys.common.Type == connector.TypeString {
				m := make(map[string]any, len(entries))
				for _, e := range entries {
					m[e.k.(string)] = e.v
				}
				return &schemaAndValue{schema, m}, nil
			}
			m := make(map[any]any, len(entries))
			for _, e := range entries {
				m[e.k] = e.v
			}
			return &schemaAndValue{schema, m}, nil
		}
		if p.canConsume(",") {
			return nil, fmt.Errorf("%w: unable to parse a map entry with no key or value", errParse)
		}
		key, err := vp.parse(true)
		if err != nil {
			return nil, err
		}
		if key == nil || key.value == nil {
			return nil, fmt.Errorf("%w: map entry may not have a null key", errParse)
		}
		if !p.canConsume(":") {
			return nil, fmt.Errorf("%w: map entry is missing ':'", errParse)
		}
		val, err := vp.parse(true)
		if err != nil {
			return nil, err
		}
		var v any
		if val != nil {
			v = val.value
		}
		k := key.value
		if _, hashable := k.(*big.Rat); !hashable && !isComparable(k) {
			// A list or map key cannot key a Go map; Kafka's LinkedHashMap takes it, connectd keeps the text.
			return nil, fmt.Errorf("%w: map key of type %T", errParse, k)
		}
		if i, dup := index[mapKey(k)]; dup {
			entries[i].v = v
		} else {
			index[mapKey(k)] = len(entries)
			entries = append(entries, entry{k, v})
		}
		p.canConsume(",")
		keys.merge(key)
		values.merge(val)
	}
	return nil, fmt.Errorf("%w: map is missing terminating '}'", errParse)
}

// mapKey makes parsed keys that are equal in Java equal in a Go map: decimals compare by value.
func mapKey(k any) any {
	if r, ok := k.(*big.Rat); ok {
		return "decimal:" + r.RatString()
	}
	return k
}

func isComparable(v any) bool {
	switch v.(type) {
	case []any, map[string]any, map[any]any, []byte:
		return false
	}
	return true
}

var bigDecimalSyntax = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// parseAsNumber is ValueParser.parseAsNumber: an integer that fits a long becomes the smallest of INT8,
// INT16, INT32 and INT64; a number with a non-zero scale FLOAT32 if it fits a float, else FLOAT64; anything
// else a Decimal of the number's scale.
func parseAsNumber(token string) (*schemaAndValue, bool) {
	if n, err := strconv.ParseInt(token, 10, 64); err == nil {
		// What the general path below makes of an integer that fits a long, without a big.Int.
		return smallestInt(n), true
	}
	if !bigDecimalSyntax.MatchString(token) {
		return nil, false
	}
	mant, expText, _ := strings.Cut(strings.ToLower(token), "e")
	exp := 0
	if expText != "" {
		e, err := strconv.Atoi(expText)
		if err != nil || e > maxExponent || e < -maxExponent {
			return nil, false
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	unscaled, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return nil, false
	}
	scale := len(frac) - exp
	value := ratFromUnscaled(unscaled, scale)

	if value.IsInt() && value.Num().IsInt64() {
		return smallestInt(value.Num().Int64()), true
	}
	plain := strings.TrimPrefix(token, "+")
	if f, err := strconv.ParseFloat(plain, 32); scale != 0 && !math.IsInf(f, 0) && err == nil {
		return &schemaAndValue{&connector.Schema{Type: connector.TypeFloat32}, float32(f)}, true
	}
	if d, err := strconv.ParseFloat(plain, 64); scale != 0 && !math.IsInf(d, 0) && err == nil {
		return &schemaAndValue{&connector.Schema{Type: connector.TypeFloat64}, d}, true
	}
	return &schemaAndValue{DecimalSchema(scale), value}, true
}

// smallestInt types n as the narrowest of INT8, INT16, INT32 and INT64 that holds it.
func smallestInt(n int64) *schemaAndValue {
	switch {
	case n == int64(int8(n)):
		return &schemaAndValue{&connector.Schema{Type: connector.TypeInt8}, int8(n)}
	case n == int64(int16(n)):
		return &schemaAndValue{&connector.Schema{Type: connector.TypeInt16}, int16(n)}
	case n == int64(int32(n)):
		return &schemaAndValue{&connector.Schema{Type: connector.TypeInt32}, int32(n)}
	}
	return &schemaAndValue{&connector.Schema{Type: connector.TypeInt64}, n}
}

var (
	isoDateSyntax      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	isoTimeSyntax      = regexp.MustCompile(`^\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	isoTimestampSyntax = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

// parseAsTemporal recognizes Values' ISO-8601 literals, with escaped colons allowed.
func parseAsTemporal(token string) *schemaAndValue {
	token = strings.ReplaceAll(token, `\:`, ":")
	switch len(token) {
	case len(isoTime), len(isoTimestamp), len(isoDate):
	default:
		return nil // spares the regular expressions the numbers and words that get here
	}
	var schema *connector.Schema
	var layout string
	switch {
	case isoTimeSyntax.MatchString(token):
		schema, layout = TimeSchema(), isoTime
	case isoTimestampSyntax.MatchString(token):
		schema, layout = TimestampSchema(), isoTimestamp
	case isoDateSyntax.MatchString(token):
		schema, layout = DateSchema(), isoDate
	default:
		return nil
	}
	t, err := time.ParseInLocation(layout, token, time.UTC)
	if err != nil {
		return nil
	}
	if layout == isoTime {
		// A time of day is an instant on the epoch's day, as Java's parser leaves the date fields unset.
		t = time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	return &schemaAndValue{schema, t}
}

// schemaMerger is Values.SchemaMerger: it finds the schema all values of an array (or all keys, or all
// values of a map) share, widening numbers.
type schemaMerger struct {
	common       *connector.Schema
	incompatible bool
}

func (m *schemaMerger) merge(sv *schemaAndValue) {
	if sv == nil || sv.schema == nil || m.incompatible {
		return
	}
	if m.common == nil {
		m.common = sv.schema
		return
	}
	m.common = mergeSchemas(m.common, sv.schema)
	m.incompatible = m.common == nil
}

var numericRank = map[connector.SchemaType]int{
	connector.TypeInt8: 1, connector.TypeInt16: 2, connector.TypeInt32: 3, connector.TypeInt64: 4,
	connector.TypeFloat32: 5, connector.TypeFloat64: 6,
}

// mergeSchemas is Values.mergeSchemas: numeric types widen to the wider one; otherwise the types must be
// equal. Logical types sharing a physical type take part in the widening as Kafka's do.
func mergeSchemas(prev, next *connector.Schema) *connector.Schema {
	if prev.Type != next.Type {
		rp, okp := numericRank[prev.Type]
		rn, okn := numericRank[next.Type]
		if !okp || !okn {
			return nil
		}
		if rn > rp {
			return next
		}
		return prev
	}
	if prev.Optional == next.Optional {
		if prev.Optional {
			return prev
		}
		return next
	}
	return nil
}

// convertTo is the part of Values.convertTo that aligning parsed arrays and maps needs: numbers widen to
// the common numeric type; logical targets accept their own values or numbers; other values stay.
func convertTo(to *connector.Schema, v any) (any, error) {
	if v == nil {
		if to.Optional {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: unable to convert a null value to a schema that requires a value", errParse)
	}
	switch to.Name {
	case DateName, TimeName, TimestampName:
		if t, ok := v.(time.Time); ok {
			return t, nil
		}
		n, ok := parsedInt64(v)
		if !ok {
			return nil, fmt.Errorf("%w: unable to convert %v to %s", errParse, v, to.Name)
		}
		if to.Name == DateName {
			n = int64(int32(n))
		}
		return logicalTime(to.Name, n), nil
	case DecimalName:
		if r, ok := v.(*big.Rat); ok {
			return r, nil
		}
		return nil, fmt.Errorf("%w: unable to convert %v to a decimal", errParse, v)
	}
	if _, isTime := v.(time.Time); isTime && numericRank[to.Type] > 0 {
		return nil, fmt.Errorf("%w: unable to convert %v to a number", errParse, v)
	}
	switch to.Type {
	case connector.TypeInt8, connector.TypeInt16, connector.TypeInt32, connector.TypeInt64:
		n, ok := parsedInt64(v)
		if !ok {
			return nil, fmt.Errorf("%w: unable to convert %v to a number", errParse, v)
		}
		switch to.Type {
		case connector.TypeInt8:
			return int8(n), nil
		case connector.TypeInt16:
			return int16(n), nil
		case connector.TypeInt32:
			return int32(n), nil
		}
		return n, nil
	case connector.TypeFloat32, connector.TypeFloat64:
		var f float64
		switch x := v.(type) {
		case float32:
			f = float64(x)
		case float64:
			f = x
		default:
			n, ok := parsedInt64(v)
			if !ok {
				return nil, fmt.Errorf("%w: unable to convert %v to a number", errParse, v)
			}
			f = float64(n)
		}
		if to.Type == connector.TypeFloat32 {
			return float32(f), nil
		}
		return f, nil
	}
	return v, nil
}

// parsedInt64 is Number.longValue for the numbers parseString produces.
func parsedInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case float32:
		return int64(x), true
	case float64:
		return int64(x), true
	case *big.Rat:
		return low64(new(big.Int).Quo(x.Num(), x.Denom())), true
	}
	return asInt64(v)
}
