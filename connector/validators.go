package connector

import (
	"regexp"
	"strconv"
	"strings"
)

// The validators below reproduce Kafka's ConfigDef validators and their messages. A failing validator's message
// is reported as Kafka's ConfigException renders it: "Invalid value <value> for configuration <key>: <message>".

// AtLeast accepts numbers >= lo (Kafka's ConfigDef.Range.atLeast). Like Kafka it rejects a missing value, so
// a required key that is absent or unparsable gets a second error; optional keys that are unset are not
// checked at all.
func AtLeast(lo int64) Validator {
	return func(_ string, v any) string {
		n, ok := number(v)
		if !ok {
			return "Value must be non-null"
		}
		if n < float64(lo) {
			return "Value must be at least " + strconv.FormatInt(lo, 10)
		}
		return ""
	}
}

// Between accepts numbers in [lo, hi] (Kafka's ConfigDef.Range.between).
func Between(lo, hi int64) Validator {
	return func(_ string, v any) string {
		n, ok := number(v)
		if !ok {
			return "Value must be non-null"
		}
		if n < float64(lo) {
			return "Value must be at least " + strconv.FormatInt(lo, 10)
		}
		if n > float64(hi) {
			return "Value must be no more than " + strconv.FormatInt(hi, 10)
		}
		return ""
	}
}

// number reads the numeric value a Range validator compares; Kafka compares doubleValue()s.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// OneOf accepts exactly one of values (Kafka's ConfigDef.ValidString).
func OneOf(values ...string) Validator {
	values = append([]string(nil), values...)
	msg := "String must be one of: " + strings.Join(values, ", ")
	return func(_ string, v any) string {
		s, ok := v.(string)
		if ok {
			for _, want := range values {
				if s == want {
					return ""
				}
			}
		}
		return msg
	}
}

// OneOfIgnoreCase accepts one of values in any letter case (Kafka's ConfigDef.CaseInsensitiveValidString). The
// message lists the upper-cased values in the order Java's HashSet iterates them, as Kafka prints them.
func OneOfIgnoreCase(values ...string) Validator {
	upper := make([]string, len(values))
	for i, s := range values {
		upper[i] = strings.ToUpper(s)
	}
	upper = javaHashSetOrder(upper)
	msg := "String must be one of (case insensitive): " + strings.Join(upper, ", ")
	return func(_ string, v any) string {
		s, ok := v.(string)
		if ok {
			s = strings.ToUpper(s)
			for _, want := range upper {
				if s == want {
					return ""
				}
			}
		}
		return msg
	}
}

// NonEmpty rejects the empty string; an unset value passes (Kafka's ConfigDef.NonEmptyString).
func NonEmpty() Validator {
	return func(_ string, v any) string {
		if s, ok := v.(string); ok && s == "" {
			return "String must be non-empty"
		}
		return ""
	}
}

// NonEmptyWithoutControlChars rejects the empty string and strings holding ISO control characters; an unset
// value passes (Kafka's ConfigDef.NonEmptyStringWithoutControlChars, used for connector names).
func NonEmptyWithoutControlChars() Validator {
	return func(_ string, v any) string {
		s, ok := v.(string)
		if !ok {
			return ""
		}
		if s == "" {
			return "String may not be empty"
		}
		var bad []string
		for _, r := range s {
			if isISOControl(r) {
				bad = append(bad, strconv.Itoa(int(r)))
			}
		}
		if len(bad) > 0 {
			return "String may not contain control sequences but had the following ASCII chars: " + strings.Join(bad, ", ")
		}
		return ""
	}
}

// isISOControl is Java's Character.isISOControl.
func isISOControl(r rune) bool {
	return r <= 0x1f || (r >= 0x7f && r <= 0x9f)
}

// NonNull rejects an unset value (Kafka's ConfigDef.NonNullValidator).
func NonNull() Validator {
	return func(_ string, v any) string {
		if v == nil {
			return "entry must be non null"
		}
		return ""
	}
}

// Regex accepts a string that compiles as a regular expression (Kafka's RegexValidator). connectd matches
// with Go's RE2 syntax, so the compile error text is Go's.
func Regex() Validator {
	return func(_ string, v any) string {
		s, ok := v.(string)
		if !ok {
			return "Invalid regex: null"
		}
		if _, err := regexp.Compile(s); err != nil {
			return "Invalid regex: " + err.Error()
		}
		return ""
	}
}

// uniqueAliases is Kafka's validator of transforms, predicates and topic.creation.groups: non-null, no
// duplicates.
func uniqueAliases() Validator {
	return func(_ string, v any) string {
		l, ok := v.([]string)
		if !ok {
			return "entry must be non null"
		}
		seen := make(map[string]bool, len(l))
		for _, s := range l {
			if seen[s] {
				return "Duplicate alias provided."
			}
			seen[s] = true
		}
		return ""
	}
}

// atLeastOrUnset is AtLeast that lets an unset value through, as Kafka's lambda around Range does for
// transaction.boundary.interval.ms.
func atLeastOrUnset(lo int64) Validator {
	inner := AtLeast(lo)
	return func(name string, v any) string {
		if v == nil {
			return ""
		}
		return inner(name, v)
	}
}

// replicationFactor is TopicCreationConfig's replication factor check: positive or -1.
func replicationFactor() Validator {
	return func(_ string, v any) string {
		n, ok := v.(int64)
		if ok && n != -1 && n < 1 {
			return "Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"
		}
		return ""
	}
}

// partitionCount is TopicCreationConfig's partition count check: positive or -1.
func partitionCount() Validator {
	return func(_ string, v any) string {
		n, ok := v.(int64)
		if ok && n != -1 && n < 1 {
			return "Number of partitions must be positive, or -1 to use the broker's default"
		}
		return ""
	}
}

// regexList is TopicCreationConfig's check that every entry of a LIST compiles.
func regexList() Validator {
	return func(_ string, v any) string {
		l, _ := v.([]string)
		for _, s := range l {
			if _, err := regexp.Compile(s); err != nil {
				return "Syntax error in regular expression: " + err.Error()
			}
		}
		return ""
	}
}

// javaHashSetOrder returns the distinct strings in the order a java.util.HashSet built by inserting them in
// turn iterates them, so messages that print such a set read as Kafka's do.
func javaHashSetOrder(in []string) []string {
	var distinct []string
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			distinct = append(distinct, s)
		}
	}
	return JavaHashOrder(distinct, JavaHashMapCapacity(len(distinct)))
}
