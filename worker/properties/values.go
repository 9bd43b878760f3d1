package properties

import "strings"

// Bool parses a BOOLEAN setting as Kafka's ConfigDef does: "true" or "false", any case, trimmed. ok is false
// for anything else.
func Bool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// List splits a LIST setting as Kafka's ConfigDef does: comma-separated, each item trimmed; an empty or blank
// value is the empty list.
func List(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return []string{}
	}
	items := strings.Split(v, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

// Items splits a comma-separated value into its trimmed items, leaving out the empty ones: for the lists where
// an empty item means nothing (TLS protocols and cipher suites, config.providers), so that "a, b," is a and b.
func Items(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
