package transforms

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
)

// MaskField replaces the values of named fields of a map or struct key or value, as Kafka's MaskField does:
// with the "null value" of their type (0, false, "", the epoch, an empty list or map), or with the configured
// replacement converted to the field's type (numbers and strings only).

const maskFieldPurpose = "mask fields"

func maskFieldSpec() *connector.Spec {
	return connector.NewSpec(
		connector.List("fields").Check(nonEmptyList()).Imp(connector.High).Documentation("Names of fields to mask."),
		connector.String("replacement").Opt().Check(connector.NonEmpty()).Imp(connector.Low).
			Documentation("Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."),
		connector.Bool("replace.null.with.default").WithDefault("true").Documentation(replaceNullWithDefaultDoc),
	)
}

// maskFieldPlugins returns MaskField$Key and MaskField$Value.
func maskFieldPlugins() []connector.TransformPlugin {
	return variants(transformsPackage+"MaskField", maskFieldSpec, newMaskField)
}

type maskField struct {
	side side
	// fields are the masked fields in the order Java's HashSet of them iterates, which decides which of two
	// failing fields is reported.
	fields []string
	masked map[string]bool
	// replacement is nil when not configured; number is its numeric readings, worked out once.
	replacement            *string
	number                 replacementNumber
	replaceNullWithDefault bool
}

// replacementNumber is the replacement as Kafka converts it for numeric fields: through new BigDecimal(s) into
// a long (then narrowed) or a double, and as the BigDecimal itself for Decimal fields.
type replacementNumber struct {
	ok     bool // a BigDecimal
	long   int64
	double float64
	rat    *big.Rat // nil when not representable (see bigDecimal.rat)
}

func newReplacementNumber(s string) replacementNumber {
	d, ok := parseBigDecimal(s)
	if !ok {
		return replacementNumber{}
	}
	n := replacementNumber{ok: true, long: d.longValue(), double: d.doubleValue()}
	n.rat, _ = d.rat()
	return n
}

func newMaskField(s side, config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(maskFieldSpec(), config)
	if err != nil {
		return nil, err
	}
	list := p.List("fields")
	t := &maskField{side: s, masked: setOf(list), replaceNullWithDefault: p.Bool("replace.null.with.default")}
	var distinct []string
	seen := map[string]bool{}
	for _, f := range list {
		if !seen[f] {
			seen[f] = true
			distinct = append(distinct, f)
		}
	}
	t.fields = connector.JavaHashOrder(distinct, connector.JavaHashSetCapacity(len(list)))
	if v, ok := p.Value("replacement"); ok {
		if r, ok := v.(string); ok {
			t.replacement = &r
			t.number = newReplacementNumber(r)
		}
	}
	return t, nil
}

// Apply masks the fields. Kafka 3.9 has no tombstone case here: a null key or value fails as a value that is
// not a map or struct.
func (t *maskField) Apply(rec *connector.Record) (*connector.Record, error) {
	if t.side.schema(rec) == nil {
		return t.applySchemaless(rec)
	}
	return t.applyWithSchema(rec)
}

func (t *maskField) applySchemaless(rec *connector.Record) (*connector.Record, error) {
	m, err := requireMap(t.side.value(rec), maskFieldPurpose)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(m)+len(t.fields))
	for k, v := range m {
		out[k] = v
	}
	// A masked field the map lacks is added as null, as Java's put does.
	for _, f := range t.fields {
		v, err := t.mask(m[f])
		if err != nil {
			return nil, err
		}
		out[f] = v
	}
	return t.side.with(rec, nil, out), nil
}

func (t *maskField) applyWithSchema(rec *connector.Record) (*connector.Record, error) {
	st, err := requireWellFormedStruct(t.side.value(rec), maskFieldPurpose)
	if err != nil {
		return nil, err
	}
	out := connector.NewStruct(st.Schema)
	for _, f := range st.Schema.Fields {
		v, err := fieldValue(st, f.Name, t.replaceNullWithDefault)
		if err != nil {
			return nil, err
		}
		if t.masked[f.Name] {
			if v, err = t.mask(v); err != nil {
				return nil, err
			}
		}
		if err := out.Put(f.Name, v); err != nil {
			return nil, err
		}
	}
	// The record keeps its schema; only the value is new.
	return t.side.with(rec, t.side.schema(rec), out), nil
}

// mask is Java's masked: null stays null, anything else becomes the replacement or its type's null value.
func (t *maskField) mask(v any) (any, error) {
	if connector.IsNull(v) {
		return nil, nil
	}
	if t.replacement == nil {
		return maskWithNullValue(v)
	}
	return maskWithReplacement(v, *t.replacement, t.number)
}

// maskWithNullValue is the "null value" of v's Java class.
func maskWithNullValue(v any) (any, error) {
	switch v.(type) {
	case bool:
		return false, nil
	case int8:
		return int8(0), nil
	case int16:
		return int16(0), nil
	case int32:
		return int32(0), nil
	case int64:
		return int64(0), nil
	case float32:
		return float32(0), nil
	case float64:
		return float64(0), nil
	case *big.Rat:
		// Java's BigDecimal.ZERO has scale 0, so Kafka's JsonConverter then refuses it for a Decimal schema
		// of another scale; a *big.Rat has no scale and is written at the schema's.
		return new(big.Rat), nil
	case *big.Int:
		return new(big.Int), nil
	case time.Time:
		return time.UnixMilli(0).UTC(), nil
	case string:
		return "", nil
	case []any:
		return []any{}, nil
	case map[string]any:
		return map[string]any{}, nil
	case map[any]any:
		return map[any]any{}, nil
	}
	return nil, connector.NewDataError("Cannot mask value of type: class " + connector.JavaClassName(v))
}

// maskWithReplacement converts the replacement to v's Java class, as Kafka does for numbers (Values.convertTo*
// of the string, through BigDecimal) and strings; other classes cannot take a replacement. number is the
// replacement's numeric readings.
func maskWithReplacement(v any, replacement string, number replacementNumber) (any, error) {
	notNumber := func() error {
		return connector.NewDataError("Unable to convert " + replacement + " (class java.lang.String) to a number")
	}
	switch v.(type) {
	case string:
		return replacement, nil
	case int8, int16, int32, int64, float32, float64:
		if !number.ok {
			return nil, notNumber()
		}
	}
	switch v.(type) {
	case int8:
		return int8(number.long), nil
	case int16:
		return int16(number.long), nil
	case int32:
		return int32(number.long), nil
	case int64:
		return number.long, nil
	case float32:
		return float32(number.double), nil
	case float64:
		return number.double, nil
	case *big.Rat, *big.Int:
		if number.rat == nil {
			return nil, connector.NewDataError("Unable to convert " + replacement + " (class java.lang.String) to number")
		}
		return new(big.Rat).Set(number.rat), nil
	}
	return nil, connector.NewDataError("Cannot mask value of type class " + connector.JavaClassName(v) + " with custom replacement.")
}

// bigDecimal is a number as Java's BigDecimal(String) reads it: unscaled × 10^-scale.
type bigDecimal struct {
	unscaled *big.Int
	scale    int64
}

// parseBigDecimal accepts what new BigDecimal(String) accepts: an optional sign, digits with an optional
// decimal point (at least one digit), an optional exponent; the scale must fit an int. Java also takes
// non-ASCII digits; this does not.
func parseBigDecimal(s string) (bigDecimal, bool) {
	rest := s
	neg := false
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	mantissa, exp, hasExp := strings.Cut(strings.ReplaceAll(rest, "E", "e"), "e")
	intPart, frac, _ := strings.Cut(mantissa, ".")
	digits := intPart + frac
	if digits == "" || !allDigits(digits) || strings.Count(mantissa, ".") > 1 {
		return bigDecimal{}, false
	}
	var e int64
	if hasExp {
		if exp == "" {
			return bigDecimal{}, false
		}
		body := exp
		if body[0] == '+' || body[0] == '-' {
			body = body[1:]
		}
		if body == "" || !allDigits(body) {
			return bigDecimal{}, false
		}
		n, err := strconv.ParseInt(exp, 10, 32)
		if err != nil {
			return bigDecimal{}, false // Java: "Exponent overflow."
		}
		e = n
	}
	scale := int64(len(frac)) - e
	if scale < -1<<31 || scale > 1<<31-1 {
		return bigDecimal{}, false // Java: "Scale out of range."
	}
	u, _ := new(big.Int).SetString(digits, 10)
	if neg {
		u.Neg(u)
	}
	return bigDecimal{unscaled: u, scale: scale}, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// longValue is BigDecimal.longValue: the integer part, truncated toward zero, in its low 64 bits.
func (d bigDecimal) longValue() int64 {
	digits := int64(len(new(big.Int).Abs(d.unscaled).Text(10)))
	switch {
	case d.unscaled.Sign() == 0, d.scale >= digits:
		// |value| < 1.
		return 0
	case d.scale <= -64:
		// A multiple of 10^64 is one of 2^64: its low 64 bits are zero.
		return 0
	}
	n := new(big.Int).Set(d.unscaled)
	if d.scale > 0 {
		n.Quo(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(d.scale), nil))
	} else if d.scale < 0 {
		n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(-d.scale), nil))
	}
	low := new(big.Int).And(new(big.Int).Abs(n), new(big.Int).SetUint64(1<<64-1)).Uint64()
	if n.Sign() < 0 {
		low = -low
	}
	return int64(low)
}

// doubleValue is BigDecimal.doubleValue: the nearest double, +0.0 for zero (BigDecimal has no negative zero).
func (d bigDecimal) doubleValue() float64 {
	if d.unscaled.Sign() == 0 {
		return 0
	}
	f, err := strconv.ParseFloat(d.unscaled.Text(10)+"e"+strconv.FormatInt(-d.scale, 10), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0
	}
	return f
}

// maxRatScale bounds the exponents turned into a *big.Rat: Java keeps 1E-2000000000 as two small numbers,
// but a Rat would need the whole power of ten.
const maxRatScale = 1 << 16

// rat is the exact value, or false when its exponent is beyond maxRatScale.
func (d bigDecimal) rat() (*big.Rat, bool) {
	if d.scale > maxRatScale || d.scale < -maxRatScale {
		return nil, false
	}
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(d.scale)), nil)
	if d.scale >= 0 {
		return new(big.Rat).SetFrac(d.unscaled, pow), true
	}
	return new(big.Rat).SetInt(new(big.Int).Mul(d.unscaled, pow)), true
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
