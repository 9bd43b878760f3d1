package connector

import (
	"slices"
	"strings"
	"testing"
)

func TestValidators(t *testing.T) {
	tests := []struct {
		name  string
		check Validator
		value any
		want  string
	}{
		{"at least ok", AtLeast(1), int64(1), ""},
		{"at least low", AtLeast(1), int64(0), "Value must be at least 1"},
		{"at least negative bound", AtLeast(-1), int64(-2), "Value must be at least -1"},
		{"at least double", AtLeast(1), 0.5, "Value must be at least 1"},
		{"at least nil", AtLeast(1), nil, "Value must be non-null"},
		{"between ok", Between(1, 3), int64(3), ""},
		{"between low", Between(1, 3), int64(0), "Value must be at least 1"},
		{"between high", Between(1, 3), int64(4), "Value must be no more than 3"},
		{"between nil", Between(1, 3), nil, "Value must be non-null"},
		{"one of ok", OneOf("none", "all"), "all", ""},
		{"one of case", OneOf("none", "all"), "ALL", "String must be one of: none, all"},
		{"one of nil", OneOf("none", "all"), nil, "String must be one of: none, all"},
		{"one of ignore case ok", OneOfIgnoreCase("requested", "required"), "ReQuIrEd", ""},
		{"one of ignore case bad", OneOfIgnoreCase("requested", "required"), "maybe",
			"String must be one of (case insensitive): REQUIRED, REQUESTED"},
		{"one of ignore case nil", OneOfIgnoreCase("poll", "interval", "connector"), nil,
			"String must be one of (case insensitive): INTERVAL, POLL, CONNECTOR"},
		{"non empty ok", NonEmpty(), "x", ""},
		{"non empty nil", NonEmpty(), nil, ""},
		{"non empty empty", NonEmpty(), "", "String must be non-empty"},
		{"name ok", NonEmptyWithoutControlChars(), "my-connector ü", ""},
		{"name nil", NonEmptyWithoutControlChars(), nil, ""},
		{"name empty", NonEmptyWithoutControlChars(), "", "String may not be empty"},
		{"name control", NonEmptyWithoutControlChars(), "a\nb\u0085c\x7f",
			"String may not contain control sequences but had the following ASCII chars: 10, 133, 127"},
		{"non null ok", NonNull(), []string{}, ""},
		{"non null nil", NonNull(), nil, "entry must be non null"},
		{"regex ok", Regex(), "topic-.*", ""},
		{"regex bad", Regex(), "(", "Invalid regex: error parsing regexp: missing closing ): `(`"},
		{"aliases ok", uniqueAliases(), []string{"a", "b"}, ""},
		{"aliases duplicate", uniqueAliases(), []string{"a", "b", "a"}, "Duplicate alias provided."},
		{"aliases nil", uniqueAliases(), nil, "entry must be non null"},
		{"interval unset", atLeastOrUnset(0), nil, ""},
		{"interval negative", atLeastOrUnset(0), int64(-1), "Value must be at least 0"},
		{"rf -1", replicationFactor(), int64(-1), ""},
		{"rf 0", replicationFactor(), int64(0), "Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"},
		{"partitions -2", partitionCount(), int64(-2), "Number of partitions must be positive, or -1 to use the broker's default"},
		{"partitions 1", partitionCount(), int64(1), ""},
		{"regex list bad", regexList(), []string{"ok", "["}, "Syntax error in regular expression: error parsing regexp: missing closing ]: `[`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check("k", tt.value); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The expected orders were printed by Java 25's Collectors.toSet() (a HashSet).
func TestJavaHashSetOrder(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"REQUESTED", "REQUIRED"}, []string{"REQUIRED", "REQUESTED"}},
		{[]string{"POLL", "INTERVAL", "CONNECTOR"}, []string{"INTERVAL", "POLL", "CONNECTOR"}},
		{strings.Split("A B C D E F G H I J K L M ZZ YY QQQ", " "),
			strings.Split("ZZ YY A B C D E F G H I J K L M QQQ", " ")},
		{[]string{"X", "X"}, []string{"X"}},
	}
	for _, tt := range tests {
		if got := javaHashSetOrder(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("javaHashSetOrder(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
