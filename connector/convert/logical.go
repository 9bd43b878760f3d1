package convert

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
)

// Names of Kafka Connect's logical types, and the Decimal schema parameter holding the scale.
const (
	DecimalName   = connector.LogicalDecimal
	DecimalScale  = "scale"
	DateName      = connector.LogicalDate
	TimeName      = connector.LogicalTime
	TimestampName = connector.LogicalTimestamp
)

const millisPerDay = 24 * 60 * 60 * 1000

// DecimalSchema returns a required Decimal schema of the given scale, as Kafka's Decimal.schema builds it.
func DecimalSchema(scale int) *connector.Schema {
	return &connector.Schema{Type: connector.TypeBytes, Name: DecimalName, Version: 1,
		Parameters: map[string]string{DecimalScale: strconv.Itoa(scale)}}
}

// DateSchema returns a required Date schema (INT32 days since the epoch).
func DateSchema() *connector.Schema {
	return &connector.Schema{Type: connector.TypeInt32, Name: DateName, Version: 1}
}

// TimeSchema returns a required Time schema (INT32 milliseconds since midnight).
func TimeSchema() *connector.Schema {
	return &connector.Schema{Type: connector.TypeInt32, Name: TimeName, Version: 1}
}

// TimestampSchema returns a required Timestamp schema (INT64 milliseconds since the epoch).
func TimestampSchema() *connector.Schema {
	return &connector.Schema{Type: connector.TypeInt64, Name: TimestampName, Version: 1}
}

// isLogical reports whether s names one of the logical types this package converts.
func isLogical(s *connector.Schema) bool {
	if s == nil {
		return false
	}
	switch s.Name {
	case DecimalName, DateName, TimeName, TimestampName:
		return true
	}
	return false
}

// javaTypeName is the name of Schema.Type in Java, as Kafka's messages print it.
func javaTypeName(t connector.SchemaType) string { return connector.JavaTypeName(t) }

// decimalScale reads the scale of a Decimal schema, with Kafka's errors.
func decimalScale(s *connector.Schema) (int, error) {
	text, ok := s.Parameters[DecimalScale]
	if !ok {
		return 0, dataError("Invalid Decimal schema: scale parameter not found.")
	}
	scale, err := strconv.ParseInt(text, 10, 32)
	if err != nil {
		return 0, dataErrorCause("Invalid scale parameter found in Decimal schema: ", err)
	}
	return int(scale), nil
}

// pow10 returns 10^n for n >= 0.
func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// decimalUnscaled returns the unscaled value of v at the schema's scale.
func decimalUnscaled(s *connector.Schema, v any) (*big.Int, int, error) {
	scale, err := decimalScale(s)
	if err != nil {
		return nil, 0, err
	}
	switch x := v.(type) {
	case *big.Int:
		return x, scale, nil
	case big.Int:
		return &x, scale, nil
	case *big.Rat:
		u, ok := ratAtScale(x, scale)
		if !ok {
			return nil, 0, dataError(fmt.Sprintf("Decimal value has mismatching scale for given Decimal schema. "+
				"Schema has scale %d, value %s has more decimal places.", scale, x.RatString()))
		}
		return u, scale, nil
	case big.Rat:
		return decimalUnscaled(s, &x)
	}
	return nil, 0, dataError(fmt.Sprintf("Invalid type for Decimal, expected BigDecimal but was %T", v))
}

// ratAtScale returns r * 10^scale when that is an integer.
func ratAtScale(r *big.Rat, scale int) (*big.Int, bool) {
	x := new(big.Rat).Set(r)
	if scale >= 0 {
		x.Mul(x, new(big.Rat).SetInt(pow10(scale)))
	} else {
		x.Quo(x, new(big.Rat).SetInt(pow10(-scale)))
	}
	if !x.IsInt() {
		return nil, false
	}
	return new(big.Int).Set(x.Num()), true
}

// ratFromUnscaled returns unscaled * 10^-scale.
func ratFromUnscaled(unscaled *big.Int, scale int) *big.Rat {
	r := new(big.Rat).SetInt(unscaled)
	if scale >= 0 {
		return r.Quo(r, new(big.Rat).SetInt(pow10(scale)))
	}
	return r.Mul(r, new(big.Rat).SetInt(pow10(-scale)))
}

// twosComplement returns x as Java's BigInteger.toByteArray does: big-endian two's complement in the fewest
// bytes that keep the sign bit, at least one byte.
func twosComplement(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// For x < 0 the bytes are the complement of |x|-1.
	m := new(big.Int).Neg(x)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	for i := range b {
		b[i] = ^b[i]
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xff}, b...)
	}
	return b
}

// fromTwosComplement is Java's new BigInteger(byte[]).
func fromTwosComplement(b []byte) (*big.Int, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("zero length BigInteger")
	}
	x := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x, nil
}

// BigDecimalString is Java's BigDecimal.toString of unscaled×10^-scale: plain notation when the scale is
// not negative and the adjusted exponent is at least -6, scientific ("1.23E+5") otherwise.
func BigDecimalString(unscaled *big.Int, scale int) string {
	coeff := new(big.Int).Abs(unscaled).String()
	sign := ""
	if unscaled.Sign() < 0 {
		sign = "-"
	}
	if scale == 0 {
		return sign + coeff
	}
	adjusted := -scale + len(coeff) - 1
	if scale > 0 && adjusted >= -6 {
		if len(coeff) > scale {
			return sign + coeff[:len(coeff)-scale] + "." + coeff[len(coeff)-scale:]
		}
		return sign + "0." + strings.Repeat("0", scale-len(coeff)) + coeff
	}
	out := sign + coeff[:1]
	if len(coeff) > 1 {
		out += "." + coeff[1:]
	}
	if adjusted != 0 {
		out += "E"
		if adjusted > 0 {
			out += "+"
		}
		out += strconv.Itoa(adjusted)
	}
	return out
}

// ratString writes a Decimal value without a schema: at the smallest scale that holds it exactly, or as a
// fraction when no decimal scale does (which no Kafka value can be).
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	for scale := 1; scale <= 1000; scale++ {
		if u, ok := ratAtScale(r, scale); ok {
			return BigDecimalString(u, scale)
		}
	}
	return r.RatString()
}

// dateDays is Kafka's Date.fromLogical.
func dateDays(t time.Time) (int64, error) {
	ms := t.UnixMilli()
	if ms%millisPerDay != 0 {
		return 0, dataError("Kafka Connect Date type should not have any time fields set to non-zero values.")
	}
	return ms / millisPerDay, nil
}

// timeMillis is Kafka's Time.fromLogical.
func timeMillis(t time.Time) (int64, error) {
	ms := t.UnixMilli()
	if ms < 0 || ms > millisPerDay {
		return 0, dataError("Kafka Connect Time type should not have any date fields set to non-zero values.")
	}
	return ms, nil
}

// logicalTime is the time.Time of a Date (days), Time or Timestamp (milliseconds) value.
func logicalTime(name string, n int64) time.Time {
	if name == DateName {
		return time.UnixMilli(n * millisPerDay).UTC()
	}
	return time.UnixMilli(n).UTC()
}
