package properties

import (
	"slices"
	"testing"
)

func TestListAndItems(t *testing.T) {
	cases := []struct {
		in          string
		list, items []string
	}{
		{"", []string{}, nil},
		{"  ", []string{}, nil},
		{"a", []string{"a"}, []string{"a"}},
		{" a , b ", []string{"a", "b"}, []string{"a", "b"}},
		// LIST keeps empty items, as Kafka's ConfigDef does; Items leaves them out.
		{"a,,b,", []string{"a", "", "b", ""}, []string{"a", "b"}},
	}
	for _, c := range cases {
		if got := List(c.in); !slices.Equal(got, c.list) || got == nil {
			t.Errorf("List(%q) = %#v, want %#v", c.in, got, c.list)
		}
		if got := Items(c.in); !slices.Equal(got, c.items) {
			t.Errorf("Items(%q) = %#v, want %#v", c.in, got, c.items)
		}
	}
}
