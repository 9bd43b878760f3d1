package transforms

import (
	"errors"
	"math"
	"math/big"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
	"github.com/connectd/connectd/connector/javajson"
)

// This file holds Java's number semantics as Cast needs them: Number's narrowing conversions, the parsing of
// Byte.parseByte through Double.parseDouble, BigDecimal.toString, and Float.toString and Double.toString as the
// JDK 17 Kafka's reference runs on prints them.

// javaNumber is a value of one of Java's Number classes, with Number's conversions.
type javaNumber struct {
	i     int64    // integers
	f     float64  // float and double
	isF   bool     // f holds the value
	isF32 bool     // the value is a float (its widening to double is exact, but floatValue must not round twice)
	dec   *big.Rat // BigDecimal
}

// javaNumberOf returns value as a Java Number. A Decimal may be a *big.Rat or, with the schema's scale, a
// *big.Int holding the unscaled value.
func javaNumberOf(schema *connector.Schema, value any) (javaNumber, bool) {
	switch v := value.(type) {
	case int8:
		return javaNumber{i: int64(v)}, true
	case int16:
		return javaNumber{i: int64(v)}, true
	case int32:
		return javaNumber{i: int64(v)}, true
	case int64:
		return javaNumber{i: v}, true
	case float32:
		return javaNumber{f: float64(v), isF: true, isF32: true}, true
	case float64:
		return javaNumber{f: v, isF: true}, true
	case *big.Rat:
		return javaNumber{dec: v}, true
	case *big.Int:
		r := new(big.Rat).SetInt(v)
		if scale, ok := decimalScaleOf(schema); ok {
			r.Mul(r, pow10Rat(-scale))
		}
		return javaNumber{dec: r}, true
	}
	return javaNumber{}, false
}

// truncated is BigDecimal.toBigInteger: the value with its fraction dropped.
func (n javaNumber) truncated() *big.Int {
	return new(big.Int).Quo(n.dec.Num(), n.dec.Denom())
}

// longValue is Number.longValue: integers as they are, floating point truncated and saturated (NaN is 0),
// a BigDecimal's integer part reduced to its low 64 bits.
func (n javaNumber) longValue() int64 {
	switch {
	case n.dec != nil:
		return lowBits(n.truncated())
	case n.isF:
		return javaD2L(n.f)
	}
	return n.i
}

// intValue is Number.intValue: a long keeps its low 32 bits, floating point is truncated and saturated to
// the int range (byteValue and shortValue narrow this further).
func (n javaNumber) intValue() int32 {
	switch {
	case n.dec != nil:
		return int32(lowBits(n.truncated()))
	case n.isF:
		return javaD2I(n.f)
	}
	return int32(n.i)
}

func (n javaNumber) floatValue() float32 {
	switch {
	case n.dec != nil:
		f, _ := n.dec.Float32()
		return f
	case n.isF:
		return float32(n.f)
	}
	return float32(n.i)
}

func (n javaNumber) doubleValue() float64 {
	switch {
	case n.dec != nil:
		f, _ := n.dec.Float64()
		return f
	case n.isF:
		return n.f
	}
	return float64(n.i)
}

// lowBits is BigInteger.longValue: the low 64 bits in two's complement.
func lowBits(x *big.Int) int64 {
	mask := new(big.Int).SetUint64(math.MaxUint64)
	return int64(new(big.Int).And(x, mask).Uint64())
}

// javaD2L is Java's (long) cast of a double.
func javaD2L(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= 9.223372036854775807e18:
		return math.MaxInt64
	case f <= -9.223372036854775808e18:
		return math.MinInt64
	}
	return int64(f)
}

// javaD2I is Java's (int) cast of a double.
func javaD2I(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

// decimalScaleOf reads the scale parameter of a Decimal schema.
func decimalScaleOf(schema *connector.Schema) (int, bool) {
	if schema == nil || schema.Parameters == nil {
		return 0, false
	}
	s, ok := schema.Parameters["scale"]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// bigDecimalString is BigDecimal.toString of a Decimal value at its schema's scale: plain notation when the
// scale is not negative and the adjusted exponent is at least -6, scientific ("1.23E+5") otherwise.
func bigDecimalString(schema *connector.Schema, value any) string {
	scale, hasScale := decimalScaleOf(schema)
	var unscaled *big.Int
	switch v := value.(type) {
	case *big.Int:
		unscaled = v
	case *big.Rat:
		if !hasScale {
			// No schema to say: the smallest scale that holds the value (a Kafka value always has one).
			scale = 0
			for scale < 400 && !new(big.Rat).Mul(v, pow10Rat(scale)).IsInt() {
				scale++
			}
		}
		r := new(big.Rat).Mul(v, pow10Rat(scale))
		unscaled = new(big.Int).Quo(r.Num(), r.Denom())
	}
	return convert.BigDecimalString(unscaled, scale)
}

// pow10Rat is 10^n (n may be negative).
func pow10Rat(n int) *big.Rat {
	e := int64(n)
	if e < 0 {
		e = -e
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(e), nil)
	if n < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}

// parseJavaNumber parses s as Byte.parseByte, Short.parseShort, Integer.parseInt, Long.parseLong,
// Float.parseFloat or Double.parseDouble would for target; false where Java throws NumberFormatException.
func parseJavaNumber(s string, target connector.SchemaType) (any, bool) {
	switch target {
	case connector.TypeInt8:
		n, ok := parseJavaInt(s, 8)
		return int8(n), ok
	case connector.TypeInt16:
		n, ok := parseJavaInt(s, 16)
		return int16(n), ok
	case connector.TypeInt32:
		n, ok := parseJavaInt(s, 32)
		return int32(n), ok
	case connector.TypeInt64:
		return parseJavaInt(s, 64)
	case connector.TypeFloat32:
		f, ok := parseJavaFloat(s, 32)
		return float32(f), ok
	case connector.TypeFloat64:
		return parseJavaFloat(s, 64)
	}
	return nil, false
}

// parseJavaInt is Long.parseLong with a range of bits: an optional sign and decimal digits (any Unicode
// decimal digit of the Basic Multilingual Plane, as Character.digit accepts), nothing else.
func parseJavaInt(s string, bits int) (int64, bool) {
	if s == "" {
		return 0, false
	}
	neg := false
	rest := s
	switch s[0] {
	case '-':
		neg, rest = true, s[1:]
	case '+':
		rest = s[1:]
	}
	if rest == "" {
		return 0, false
	}
	limit := new(big.Int).Lsh(big.NewInt(1), uint(bits-1)) // |min|
	n := new(big.Int)
	ten := big.NewInt(10)
	for _, r := range rest {
		d, ok := javaDigit(r)
		if !ok {
			return 0, false
		}
		n.Mul(n, ten).Add(n, big.NewInt(int64(d)))
		if n.Cmp(limit) > 0 {
			return 0, false
		}
	}
	if neg {
		n.Neg(n)
	} else if n.Cmp(limit) == 0 {
		return 0, false
	}
	return n.Int64(), true
}

// javaDigit is Character.digit(r, 10) for a char: the value of a decimal digit of any script.
func javaDigit(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r > 0xFFFF || !unicode.IsDigit(r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if uint16(r) >= rg.Lo && uint16(r) <= rg.Hi {
			return int(uint16(r)-rg.Lo) % 10, true
		}
	}
	return 0, false
}

// javaFloatSyntax is what Double.parseDouble accepts after trimming: decimal or hexadecimal floating point
// literals with an optional type suffix, NaN and Infinity.
var javaFloatSyntax = regexp.MustCompile(`^[+-]?(NaN|Infinity|` +
	`(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|0[xX]([0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)[fFdD]?)$`)

// parseJavaFloat is Double.parseDouble (bits 64) or Float.parseFloat (bits 32): leading and trailing
// characters up to U+0020 are ignored, out-of-range values become infinities or zero.
func parseJavaFloat(s string, bits int) (float64, bool) {
	s = javaTrimString(s)
	if !javaFloatSyntax.MatchString(s) {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	neg := strings.HasPrefix(s, "-")
	var f float64
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		f = math.Inf(1)
	default:
		// The syntax check leaves a final f, F, d or D only as a type suffix: a hex literal ends in the
		// decimal digits of its exponent.
		if last := body[len(body)-1]; strings.IndexByte("fFdD", last) >= 0 {
			body = body[:len(body)-1]
		}
		v, err := strconv.ParseFloat(body, bits)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, false
		}
		f = v
	}
	if neg {
		f = -f
	}
	return f, true
}

// javaDoubleString is Double.toString as the JDK 17 that Kafka's reference runs on prints it: the shortest
// digits that read back (javajson's), except for integral values below 2^63, which JDK 17's FloatingDecimal
// prints from their exact digits with only the bits beyond the mantissa rounded away ("4.0332118480181683E17"
// where the shortest is "4.033211848018168E17").
func javaDoubleString(f float64) string {
	bits := math.Float64bits(f)
	exp := int(bits>>52) & 0x7ff
	if exp == 0 || exp == 0x7ff {
		return javajson.FormatDouble(f)
	}
	if s, ok := legacyIntegerString(f < 0, bits&(1<<52-1)|1<<52, exp-1023, 53); ok {
		return s
	}
	return javajson.FormatDouble(f)
}

// javaFloatString is Float.toString as JDK 17 prints it (see javaDoubleString).
func javaFloatString(f float32) string {
	bits := math.Float32bits(f)
	exp := int(bits>>23) & 0xff
	if exp == 0 || exp == 0xff {
		return javajson.FormatFloat(f)
	}
	mant := uint64(bits&(1<<23-1)|1<<23) << (52 - 23)
	if s, ok := legacyIntegerString(f < 0, mant, exp-127, 24); ok {
		return s
	}
	return javajson.FormatFloat(f)
}

// insignificantDigits is FloatingDecimal's insignificantDigitsNumber: how many low decimal digits of an
// integer that needs 2^i more than the mantissa holds carry no information.
var insignificantDigits = [...]int{0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7,
	8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16,
	17, 17, 17, 18, 18, 18, 19}

// legacyIntegerString is the integer case of JDK 17's FloatingDecimal.dtoa (developLongDigits): mant is the
// 53-bit normalized mantissa, binExp the unbiased exponent, significant the mantissa's width (53 or 24). It
// applies to integral values with binExp <= 62.
func legacyIntegerString(neg bool, mant uint64, binExp, significant int) (string, bool) {
	fractBits := 53 - bits.TrailingZeros64(mant)
	if binExp > 62 || fractBits-binExp-1 > 0 {
		return "", false
	}
	insignificant := 0
	if p := binExp - significant - 1; binExp > significant && p > 1 && p < len(insignificantDigits) {
		insignificant = insignificantDigits[p]
	}
	var v uint64
	if binExp >= 52 {
		v = mant << (binExp - 52)
	} else {
		v = mant >> (52 - binExp)
	}
	if insignificant > 0 {
		pow10 := uint64(1)
		for range insignificant {
			pow10 *= 10
		}
		residue := v % pow10
		v /= pow10
		if residue >= pow10/2 {
			v++
		}
	}
	digits := strconv.FormatUint(v, 10)
	decExp := len(digits) + insignificant - 1 // exponent of the first digit
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		digits = "0"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if decExp < 7 {
		// Plain notation: the integer, padded with zeros, and ".0".
		b.WriteString(digits)
		for i := len(digits); i <= decExp; i++ {
			b.WriteByte('0')
		}
		if len(digits) > decExp+1 {
			return "", false // not integral after all; cannot happen
		}
		b.WriteString(".0")
		return b.String(), true
	}
	b.WriteByte(digits[0])
	b.WriteByte('.')
	if len(digits) > 1 {
		b.WriteString(digits[1:])
	} else {
		b.WriteByte('0')
	}
	b.WriteByte('E')
	b.WriteString(strconv.Itoa(decExp))
	return b.String(), true
}
