package connector

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// hiddenValue is how Kafka prints a PASSWORD value.
const hiddenValue = "[hidden]"

// Field returns the field named name, or nil.
func (s *Spec) Field(name string) *Field {
	if s == nil {
		return nil
	}
	for _, f := range s.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// KeyInfos returns the definitions of the spec's keys in declaration order, as GET
// /connector-plugins/{plugin}/config shows them. A field in a group with Order 0 gets the order after the
// previous field of its group (0 for the first, as in Kafka's JsonConverterConfig); a field without a group
// and Order 0 reports -1 and a null group, as Kafka's ConfigDef.define does for ungrouped keys.
func (s *Spec) KeyInfos() []ConfigKeyInfo {
	if s == nil {
		return []ConfigKeyInfo{}
	}
	last := map[string]int{}
	out := make([]ConfigKeyInfo, 0, len(s.Fields))
	for _, f := range s.Fields {
		order := f.Order
		switch {
		case order != 0:
		case f.Group == "":
			order = -1
		default:
			prev, seen := last[f.Group]
			if seen {
				order = prev + 1
			}
		}
		if f.Group != "" {
			last[f.Group] = order
		}
		out = append(out, keyInfo(f, f.Name, f.Group, order))
	}
	return out
}

// keyInfo renders one definition as AbstractHerder.convertConfigKey does.
func keyInfo(f *Field, name, group string, order int) ConfigKeyInfo {
	info := ConfigKeyInfo{
		Name:          name,
		Type:          string(f.Type),
		Required:      f.Required(),
		Importance:    string(f.Importance),
		Documentation: f.Doc,
		Width:         string(f.Width),
		DisplayName:   f.DisplayName,
		Dependents:    append([]string{}, f.Dependents...),
		Order:         order,
	}
	if group != "" {
		info.Group = &group
	}
	if f.Default != nil {
		// Kafka prints the parsed default, so " a , b" for a LIST reads "a,b".
		if v, msg := parseType(f.Name, *f.Default, f.Type); msg == "" {
			info.DefaultValue = formatValue(v, f.Type)
		} else {
			d := *f.Default
			info.DefaultValue = &d
		}
	}
	return info
}

// ParseError lists every problem Spec.Parse found, each worded as Kafka words it.
type ParseError struct {
	Errors []string
}

// Error joins the problems with "; "; a single problem reads exactly as Kafka's ConfigException.
func (e *ParseError) Error() string { return strings.Join(e.Errors, "; ") }

// Parse converts config into typed values: defaults applied, types converted, validators run. Keys the spec
// does not define are kept only in Raw. The error is a *ParseError listing every problem. Parse does not run
// the spec's Check (that belongs to validation, which may be costly) and does not resolve CLASS values
// against a Registry: they are returned as written, trimmed.
func (s *Spec) Parse(config map[string]string) (*Parsed, error) {
	p := &Parsed{values: map[string]any{}, types: map[string]ConfigType{}, raw: maps.Clone(config)}
	if p.raw == nil {
		p.raw = map[string]string{}
	}
	if s == nil {
		return p, nil
	}
	var problems []string
	for _, f := range s.Fields {
		p.types[f.Name] = f.Type
		var v any
		raw, set := config[f.Name]
		switch {
		case set:
			var msg string
			if v, msg = parseType(f.Name, raw, f.Type); msg != "" {
				problems = append(problems, msg)
				continue
			}
		case f.Default != nil:
			var msg string
			if v, msg = parseType(f.Name, *f.Default, f.Type); msg != "" {
				problems = append(problems, msg)
				continue
			}
		case f.Optional:
		default:
			problems = append(problems, missingMessage(f.Name))
			continue
		}
		p.values[f.Name] = v
		if v == nil {
			continue
		}
		for _, check := range f.Validators {
			if msg := check(f.Name, v); msg != "" {
				problems = append(problems, invalidMessage(f.Name, v, f.Type, msg))
			}
		}
	}
	if len(problems) > 0 {
		return nil, &ParseError{Errors: problems}
	}
	return p, nil
}

// Parsed holds a config parsed against a Spec. Accessors return the zero value for keys the spec does not
// define, that are unset without a default, or that have another type.
type Parsed struct {
	values map[string]any
	types  map[string]ConfigType
	raw    map[string]string
}

// Value returns the parsed value of key (bool, string, int64, float64 or []string) and whether it is non-nil.
func (p *Parsed) Value(key string) (any, bool) {
	v, ok := p.values[key]
	return v, ok && v != nil
}

// String returns a STRING or CLASS value.
func (p *Parsed) String(key string) string {
	if t := p.types[key]; t != TypeStringConfig && t != TypeClassConfig {
		return ""
	}
	s, _ := p.values[key].(string)
	return s
}

// Password returns a PASSWORD value.
func (p *Parsed) Password(key string) string {
	if p.types[key] != TypePasswordConfig {
		return ""
	}
	s, _ := p.values[key].(string)
	return s
}

// Int returns an INT, SHORT or LONG value as an int.
func (p *Parsed) Int(key string) int { return int(p.Long(key)) }

// Long returns an INT, SHORT or LONG value.
func (p *Parsed) Long(key string) int64 {
	n, _ := p.values[key].(int64)
	return n
}

// Bool returns a BOOLEAN value.
func (p *Parsed) Bool(key string) bool {
	b, _ := p.values[key].(bool)
	return b
}

// Double returns a DOUBLE value (or an integer value converted).
func (p *Parsed) Double(key string) float64 {
	switch n := p.values[key].(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	}
	return 0
}

// List returns a copy of a LIST value.
func (p *Parsed) List(key string) []string {
	l, _ := p.values[key].([]string)
	return slices.Clone(l)
}

// IsSet reports whether the config gave key explicitly (defaults do not count).
func (p *Parsed) IsSet(key string) bool {
	_, ok := p.raw[key]
	return ok
}

// Raw returns a copy of the config as given.
func (p *Parsed) Raw() map[string]string { return maps.Clone(p.raw) }

// missingMessage is ConfigDef's text for a required key that is absent.
func missingMessage(name string) string {
	return "Missing required configuration \"" + name + "\" which has no default value."
}

// invalidMessage is ConfigException(name, value, msg).getMessage().
func invalidMessage(name string, v any, t ConfigType, msg string) string {
	return "Invalid value " + javaValue(v, t) + " for configuration " + name + ": " + msg
}

// parseType converts raw as Kafka's ConfigDef.parseType does. On failure it returns Kafka's full message
// (which quotes raw untrimmed). CLASS values come back as trimmed names; resolving them is the caller's job.
func parseType(name, raw string, t ConfigType) (any, string) {
	trimmed := javaTrim(raw)
	notNumber := func() (any, string) {
		return nil, "Invalid value " + raw + " for configuration " + name + ": Not a number of type " + string(t)
	}
	switch t {
	case TypeBooleanConfig:
		switch {
		case strings.EqualFold(trimmed, "true"):
			return true, ""
		case strings.EqualFold(trimmed, "false"):
			return false, ""
		}
		return nil, "Invalid value " + raw + " for configuration " + name + ": Expected value to be either true or false"
	case TypeStringConfig, TypePasswordConfig, TypeClassConfig:
		return trimmed, ""
	case TypeIntConfig, TypeShortConfig, TypeLongConfig:
		bits := map[ConfigType]int{TypeIntConfig: 32, TypeShortConfig: 16, TypeLongConfig: 64}[t]
		n, err := strconv.ParseInt(trimmed, 10, bits)
		if err != nil {
			return notNumber()
		}
		return n, ""
	case TypeDoubleConfig:
		f, ok := parseJavaDouble(trimmed)
		if !ok {
			return notNumber()
		}
		return f, ""
	case TypeListConfig:
		return splitList(trimmed), ""
	}
	return nil, "Invalid value " + raw + " for configuration " + name + ": unknown type " + string(t)
}

// javaTrim is Java's String.trim: it strips every char <= U+0020 at both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// splitList splits an already trimmed LIST value on commas with surrounding whitespace (Kafka's
// COMMA_WITH_WHITESPACE, \s*,\s*), keeping empty entries; "" is the empty list.
func splitList(trimmed string) []string {
	if trimmed == "" {
		return []string{}
	}
	parts := strings.Split(trimmed, ",")
	for i, p := range parts {
		parts[i] = strings.Trim(p, " \t\n\x0b\f\r")
	}
	return parts
}

// parseJavaDouble accepts what Java's Double.parseDouble accepts for ordinary input: decimal and hex floats
// with an optional d/f suffix, NaN and Infinity (case-sensitive, unlike Go's ParseFloat).
func parseJavaDouble(s string) (float64, bool) {
	switch s {
	case "NaN", "+NaN", "-NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	// Hex digits hold no i or n, so this only rejects Go's own inf/nan spellings and digit separators.
	if s == "" || strings.ContainsAny(s, "iInN_") {
		return 0, false
	}
	// A float-type suffix is Java syntax; in hex floats it can only follow the decimal exponent.
	if last := s[len(s)-1]; last == 'd' || last == 'D' || last == 'f' || last == 'F' {
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// formatValue is Kafka's ConfigDef.convertToString of a parsed value; nil stays nil.
func formatValue(v any, t ConfigType) *string {
	if v == nil {
		return nil
	}
	var s string
	switch t {
	case TypePasswordConfig:
		s = hiddenValue
	default:
		switch x := v.(type) {
		case []string:
			s = strings.Join(x, ",")
		default:
			s = javaValue(v, t)
		}
	}
	return &s
}

// javaValue is String.valueOf(value) for a parsed value, as Kafka's messages print it: lists as [a, b],
// doubles as Java prints them, passwords hidden, nil as null.
func javaValue(v any, t ConfigType) string {
	if v == nil {
		return "null"
	}
	if t == TypePasswordConfig {
		return hiddenValue
	}
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return javaDouble(x)
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// javaDouble is Java's Double.toString: plain notation with at least one decimal in [1e-3, 1e7), computerized
// scientific notation ("1.0E10") outside it, shortest digits that round-trip.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		// Java prints at least two digits, choosing the two-digit decimal closest to f; that differs from
		// appending ".0" only where doubles are sparse (4.9E-324, not 5.0E-324).
		mant, exp, _ = strings.Cut(strconv.FormatFloat(f, 'e', 1, 64), "e")
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// checkSpec rejects specs Kafka's ConfigDef would refuse to build: empty or duplicate names, unknown types,
// and defaults that do not parse or fail their validators.
func checkSpec(s *Spec) error {
	if s == nil {
		return nil
	}
	seen := map[string]bool{}
	for i, f := range s.Fields {
		if f == nil || f.Name == "" {
			return fmt.Errorf("%w: field %d has no name", ErrInvalidPlugin, i)
		}
		if seen[f.Name] {
			return fmt.Errorf("%w: configuration %s is defined twice", ErrInvalidPlugin, f.Name)
		}
		seen[f.Name] = true
		switch f.Type {
		case TypeBooleanConfig, TypeStringConfig, TypeIntConfig, TypeShortConfig, TypeLongConfig,
			TypeDoubleConfig, TypeListConfig, TypeClassConfig, TypePasswordConfig:
		default:
			return fmt.Errorf("%w: configuration %s has unknown type %q", ErrInvalidPlugin, f.Name, f.Type)
		}
		if f.Default == nil {
			continue
		}
		v, msg := parseType(f.Name, *f.Default, f.Type)
		if msg != "" {
			return fmt.Errorf("%w: default of %s: %s", ErrInvalidPlugin, f.Name, msg)
		}
		for _, check := range f.Validators {
			if msg := check(f.Name, v); msg != "" {
				return fmt.Errorf("%w: default of %s: %s", ErrInvalidPlugin, f.Name, invalidMessage(f.Name, v, f.Type, msg))
			}
		}
	}
	return nil
}
