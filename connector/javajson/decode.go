package javajson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// SyntaxError describes malformed JSON: what was wrong and the byte offset where it was noticed.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("javajson: %s at offset %d", e.Msg, e.Offset)
}

// Unmarshal decodes one JSON document with Kafka Connect's schemaless typing: null → nil, booleans → bool,
// strings → string, integral numbers (no fraction, no exponent) → int64, other numbers → float64, arrays →
// []any, objects → map[string]any (the last of duplicate keys wins, as in Jackson's ObjectNode).
//
// An integral number outside the int64 range is returned as the nearest float64. Jackson reads it as a
// BigInteger and Connect's converter then truncates it to its low 64 bits; the float is the less
// surprising of the two. Numbers too large for a float64 become ±Inf, as BigDecimal.doubleValue gives.
//
// Invalid UTF-8 inside strings and unpaired \u surrogates decode to U+FFFD. Leading zeros in numbers are
// accepted, as by Connect's JsonDeserializer. Whitespace may surround the value; anything else after it is an
// error. Empty input is an error; a caller that must treat it like Jackson's MissingNode checks for it first.
func Unmarshal(data []byte) (any, error) {
	return decode(data, DecodeOptions{})
}

// DecodeOptions adjust how a document is read; the zero value reads as [Unmarshal] does.
type DecodeOptions struct {
	// UseNumber returns every number as a json.Number holding its text (leading zeros removed), for readers
	// that need a number's exact digits, such as a Decimal payload.
	UseNumber bool
	// AllowTrailingData ignores whatever follows the first value, as Jackson's ObjectMapper.readTree does
	// with its default settings (FAIL_ON_TRAILING_TOKENS off).
	AllowTrailingData bool
}

// Unmarshal decodes one JSON document as the package-level [Unmarshal] does, adjusted by the options.
func (o DecodeOptions) Unmarshal(data []byte) (any, error) {
	return decode(data, o)
}

type decoder struct {
	data      []byte
	pos       int
	depth     int
	useNumber bool
}

func decode(data []byte, o DecodeOptions) (any, error) {
	d := decoder{data: data, useNumber: o.UseNumber}
	d.skipSpace()
	if d.pos == len(d.data) {
		return nil, d.errorf("unexpected end of input")
	}
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	if o.AllowTrailingData {
		return v, nil
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return nil, d.errorf("unexpected %q after top-level value", d.data[d.pos])
	}
	return v, nil
}

func (d *decoder) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: d.pos, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value() (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.errorf("unexpected end of input")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	default:
		return nil, d.errorf("unexpected %q looking for the beginning of a value", c)
	}
}

func (d *decoder) literal(lit string) error {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return d.errorf("invalid literal, expected %q", lit)
	}
	d.pos += len(lit)
	return nil
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return fmt.Errorf("%w (offset %d)", ErrMaxDepth, d.pos)
	}
	return nil
}

func (d *decoder) object() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '{'
	m := make(map[string]any)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return m, nil
	}
	for {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.errorf("expected a string object key")
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.errorf("expected ':' after object key")
		}
		d.pos++
		d.skipSpace()
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m[key] = v
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.errorf("unexpected end of input in object")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case '}':
			d.pos++
			d.depth--
			return m, nil
		default:
			return nil, d.errorf("expected ',' or '}' in object")
		}
	}
}

func (d *decoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '['
	list := make([]any, 0)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return list, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.errorf("unexpected end of input in array")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case ']':
			d.pos++
			d.depth--
			return list, nil
		default:
			return nil, d.errorf("expected ',' or ']' in array")
		}
	}
}

func (d *decoder) str() (string, error) {
	d.pos++ // opening quote
	start := d.pos
	// Fast path: no escapes and valid UTF-8 means the bytes are the string.
	clean := true
	for i := d.pos; i < len(d.data); i++ {
		c := d.data[i]
		switch {
		case c == '"':
			if clean || utf8.Valid(d.data[start:i]) {
				d.pos = i + 1
				return string(d.data[start:i]), nil
			}
			return d.slowStr(start)
		case c == '\\':
			return d.slowStr(start)
		case c < 0x20:
			d.pos = i
			return "", d.errorf("control character %#02x in string", c)
		case c >= utf8.RuneSelf:
			clean = false
		}
	}
	d.pos = len(d.data)
	return "", d.errorf("unterminated string")
}

func (d *decoder) slowStr(start int) (string, error) {
	buf := make([]byte, 0, 2*(len(d.data)-start)/3+8)
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			d.pos = i
			return "", d.errorf("control character %#02x in string", c)
		case c == '\\':
			if i+1 >= len(d.data) {
				d.pos = i
				return "", d.errorf("unterminated escape")
			}
			e := d.data[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(d.data[i:])
				if !ok {
					d.pos = i
					return "", d.errorf("invalid \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if i+6 <= len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
						if lo, ok := hex4(d.data[i+2:]); ok {
							if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
								r2 = dec
								i += 6
							}
						}
					}
					r = r2
				}
				buf = utf8.AppendRune(buf, r)
			default:
				d.pos = i - 1
				return "", d.errorf("invalid escape '\\%c'", e)
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, d.data[i:i+size]...)
			}
			i += size
		}
	}
	d.pos = len(d.data)
	return "", d.errorf("unterminated string")
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number scans -?digits(.digits)?([eE][+-]?digits)?, leading zeros allowed.
func (d *decoder) number() (any, error) {
	start := d.pos
	i := d.pos
	if d.data[i] == '-' {
		i++
	}
	intStart := i
	for i < len(d.data) && isDigit(d.data[i]) {
		i++
	}
	if i == intStart {
		d.pos = i
		return nil, d.errorf("expected digit in number")
	}
	intEnd := i
	integral := true
	if i < len(d.data) && d.data[i] == '.' {
		integral = false
		i++
		fracStart := i
		for i < len(d.data) && isDigit(d.data[i]) {
			i++
		}
		if i == fracStart {
			d.pos = i
			return nil, d.errorf("expected digit after decimal point")
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		integral = false
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		expStart := i
		for i < len(d.data) && isDigit(d.data[i]) {
			i++
		}
		if i == expStart {
			d.pos = i
			return nil, d.errorf("expected digit in exponent")
		}
	}
	d.pos = i
	text := string(d.data[start:i])

	// Strip leading zeros so that the text is valid JSON (and valid for strconv in every form).
	if intEnd-intStart > 1 && d.data[intStart] == '0' {
		z := intStart
		for z < intEnd-1 && d.data[z] == '0' {
			z++
		}
		text = string(d.data[start:intStart]) + string(d.data[z:i])
	}

	if d.useNumber {
		return json.Number(text), nil
	}
	if integral {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, &SyntaxError{Offset: start, Msg: "invalid number " + strconv.Quote(text)}
	}
	return f, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validNumber reports whether s is a JSON number literal (strict grammar, no leading zeros).
func validNumber(s string) bool {
	end, ok := scanNumber(s, 0)
	return ok && end == len(s)
}

// scanNumber scans a number of the strict JSON grammar (no leading zeros, digits on both sides of a point)
// starting at s[i], and returns the index after it.
func scanNumber[T string | []byte](s T, i int) (int, bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return i, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return i, false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return i, false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i, true
}
