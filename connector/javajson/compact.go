package javajson

import (
	"encoding/binary"
	"encoding/json"
)

// appendCompact appends src to dst without insignificant whitespace, as encoding/json's Compact does, and
// accepts exactly the documents Compact accepts: one RFC 8259 value with optional whitespace around it, string
// contents taken byte for byte (Compact checks neither UTF-8 nor surrogates). ok is false when src is not
// such a document, and also when it nests deeper than maxDepth; the caller then leaves the work (and the
// wording of the error) to Compact. It exists because Compact's byte-at-a-time state machine was the largest
// cost of writing a JSON payload through JsonConverter.
func appendCompact(dst, src []byte) (out []byte, ok bool) {
	c := compactor{src: src, dst: dst}
	c.skipSpace()
	if !c.value(0) {
		return dst, false
	}
	c.skipSpace()
	if c.pos != len(src) {
		return dst, false
	}
	return append(c.dst, src[c.start:]...), true
}

// Valid reports whether data is one JSON document, as encoding/json's Valid does, in a single pass that
// allocates nothing. The MQTT source asks it of every payload, where json.Valid was the largest single cost.
func Valid(data []byte) bool {
	c := compactor{src: data, check: true}
	c.skipSpace()
	if c.value(0) {
		c.skipSpace()
		return c.pos == len(data)
	}
	// Documents nesting deeper than maxDepth are json.Valid's to judge.
	return c.tooDeep && json.Valid(data)
}

// IsCompact reports whether data is one JSON document, as Valid does, without insignificant whitespace: what
// compacting it would leave as it is. Like Valid it makes a single pass and allocates nothing.
func IsCompact(data []byte) bool {
	c := compactor{src: data, check: true}
	c.skipSpace()
	return c.value(0) && c.pos == len(data) && !c.spaced
}

// compactor copies src to dst in runs: the bytes from start to pos are valid and not yet copied, and they are
// copied only when whitespace interrupts them. With check set it only validates and copies nothing.
type compactor struct {
	src     []byte
	pos     int
	start   int
	dst     []byte
	check   bool
	tooDeep bool
	spaced  bool // whitespace was skipped
}

func (c *compactor) skipSpace() {
	if c.pos >= len(c.src) || !isSpace(c.src[c.pos]) {
		return
	}
	c.spaced = true
	if !c.check {
		c.dst = append(c.dst, c.src[c.start:c.pos]...)
	}
	for c.pos < len(c.src) && isSpace(c.src[c.pos]) {
		c.pos++
	}
	c.start = c.pos
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func (c *compactor) value(depth int) bool {
	if c.pos >= len(c.src) {
		return false
	}
	switch b := c.src[c.pos]; {
	case b == '{':
		return c.object(depth)
	case b == '[':
		return c.array(depth)
	case b == '"':
		return c.str()
	case b == '-' || isDigit(b):
		return c.number()
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	}
	return false
}

func (c *compactor) literal(lit string) bool {
	if len(c.src)-c.pos < len(lit) || string(c.src[c.pos:c.pos+len(lit)]) != lit {
		return false
	}
	c.pos += len(lit)
	return true
}

func (c *compactor) object(depth int) bool {
	if depth >= maxDepth {
		c.tooDeep = true
		return false
	}
	c.pos++ // '{'
	c.skipSpace()
	if c.pos < len(c.src) && c.src[c.pos] == '}' {
		c.pos++
		return true
	}
	for {
		if c.pos >= len(c.src) || c.src[c.pos] != '"' || !c.str() {
			return false
		}
		c.skipSpace()
		if c.pos >= len(c.src) || c.src[c.pos] != ':' {
			return false
		}
		c.pos++
		c.skipSpace()
		if !c.value(depth + 1) {
			return false
		}
		c.skipSpace()
		if c.pos >= len(c.src) {
			return false
		}
		switch c.src[c.pos] {
		case ',':
			c.pos++
			c.skipSpace()
		case '}':
			c.pos++
			return true
		default:
			return false
		}
	}
}

func (c *compactor) array(depth int) bool {
	if depth >= maxDepth {
		c.tooDeep = true
		return false
	}
	c.pos++ // '['
	c.skipSpace()
	if c.pos < len(c.src) && c.src[c.pos] == ']' {
		c.pos++
		return true
	}
	for {
		if !c.value(depth + 1) {
			return false
		}
		c.skipSpace()
		if c.pos >= len(c.src) {
			return false
		}
		switch c.src[c.pos] {
		case ',':
			c.pos++
			c.skipSpace()
		case ']':
			c.pos++
			return true
		default:
			return false
		}
	}
}

// stringByte marks the bytes that a string's contents may hold as they are: everything but control
// characters, '"' and '\\'.
var stringByte = func() (t [256]bool) {
	for c := 0x20; c < len(t); c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Words of eight bytes for stringWord.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// stringWord reports whether the eight bytes of w are all bytes a string holds as they are (see stringByte),
// testing them at once. Subtracting 0x20 from each byte borrows into the high bit of each byte below 0x20, and
// subtracting 1 from w^'"'… (w^'\\'…) into that of each '"' ('\\'); masking with ^w keeps only the high bits a
// byte did not have itself, as bytes from 0x80 up are plain. The test is exact: a borrow passes into a byte
// only from a lower byte that is flagged itself.
func stringWord(w uint64) bool {
	q := w ^ ones*'"'
	b := w ^ ones*'\\'
	return ((w-ones*0x20)&^w|(q-ones)&^q|(b-ones)&^b)&highs == 0
}

// str scans a string, checking its escapes. The plain bytes of the contents, most of a typical document, are
// skipped eight at a time.
func (c *compactor) str() bool {
	i := c.pos + 1 // opening quote
	for {
		for src := c.src; i+8 <= len(src) && stringWord(binary.LittleEndian.Uint64(src[i:i+8])); {
			i += 8
		}
		for i < len(c.src) && stringByte[c.src[i]] {
			i++
		}
		if i >= len(c.src) {
			return false
		}
		switch c.src[i] {
		case '"':
			i++
			c.pos = i
			return true
		case '\\':
			if i+1 >= len(c.src) {
				return false
			}
			switch c.src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(c.src[i+2:]); !ok {
					return false
				}
				i += 6
			default:
				return false
			}
		default: // a control character
			return false
		}
	}
}

// number scans a number of the strict JSON grammar: no leading zeros, digits on both sides of a point.
func (c *compactor) number() bool {
	end, ok := scanNumber(c.src, c.pos)
	if ok {
		c.pos = end
	}
	return ok
}
