package connector

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"
)

func TestParseType(t *testing.T) {
	tests := []struct {
		typ     ConfigType
		raw     string
		want    any
		wantErr string
	}{
		{TypeBooleanConfig, "TRUE", true, ""},
		{TypeBooleanConfig, " false\n", false, ""},
		{TypeBooleanConfig, "yes", nil, "Invalid value yes for configuration k: Expected value to be either true or false"},
		{TypeStringConfig, "  spaced \t", "spaced", ""},
		{TypeStringConfig, "\x00a\x01", "a", ""},
		{TypeStringConfig, "\u00a0a", "\u00a0a", ""}, // Java's trim leaves non-ASCII spaces alone
		{TypePasswordConfig, " secret ", "secret", ""},
		{TypeClassConfig, " Json ", "Json", ""},
		{TypeIntConfig, " 42 ", int64(42), ""},
		{TypeIntConfig, "+7", int64(7), ""},
		{TypeIntConfig, "-2147483648", int64(math.MinInt32), ""},
		{TypeIntConfig, "2147483648", nil, "Invalid value 2147483648 for configuration k: Not a number of type INT"},
		{TypeIntConfig, "abc", nil, "Invalid value abc for configuration k: Not a number of type INT"},
		{TypeIntConfig, " 1.0 ", nil, "Invalid value  1.0  for configuration k: Not a number of type INT"},
		{TypeIntConfig, "", nil, "Invalid value  for configuration k: Not a number of type INT"},
		{TypeShortConfig, "32767", int64(32767), ""},
		{TypeShortConfig, "32768", nil, "Invalid value 32768 for configuration k: Not a number of type SHORT"},
		{TypeLongConfig, "9223372036854775807", int64(math.MaxInt64), ""},
		{TypeLongConfig, "1_000", nil, "Invalid value 1_000 for configuration k: Not a number of type LONG"},
		{TypeDoubleConfig, "1", 1.0, ""},
		{TypeDoubleConfig, "1.5e3", 1500.0, ""},
		{TypeDoubleConfig, "2d", 2.0, ""},
		{TypeDoubleConfig, "0x1p3f", 8.0, ""},
		{TypeDoubleConfig, ".5", 0.5, ""},
		{TypeDoubleConfig, "-Infinity", math.Inf(-1), ""},
		{TypeDoubleConfig, "inf", nil, "Invalid value inf for configuration k: Not a number of type DOUBLE"},
		{TypeDoubleConfig, "x", nil, "Invalid value x for configuration k: Not a number of type DOUBLE"},
		{TypeListConfig, "", []string{}, ""},
		{TypeListConfig, "   ", []string{}, ""},
		{TypeListConfig, " a , b ,, c,", []string{"a", "b", "", "c", ""}, ""},
		{TypeListConfig, "a\t,\nb", []string{"a", "b"}, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+"/"+tt.raw, func(t *testing.T) {
			got, msg := parseType("k", tt.raw, tt.typ)
			if msg != tt.wantErr {
				t.Fatalf("error %q, want %q", msg, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("value %#v, want %#v", got, tt.want)
			}
		})
	}
}

// The expected texts were printed by Java 25's Double.toString.
func TestJavaDouble(t *testing.T) {
	tenth := 0.1
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1.0"}, {100, "100.0"}, {0.001, "0.001"}, {0.0001, "1.0E-4"}, {1e7, "1.0E7"}, {1.5e7, "1.5E7"},
		{9999999.5, "9999999.5"}, {1e10, "1.0E10"}, {1.234e-5, "1.234E-5"}, {math.Copysign(0, -1), "-0.0"},
		{tenth + 2*tenth, "0.30000000000000004"}, {1e23, "1.0E23"}, {4 * math.SmallestNonzeroFloat64, "2.0E-323"}, {123456.789, "123456.789"}, {1e21, "1.0E21"},
		{math.MaxFloat64, "1.7976931348623157E308"}, {math.SmallestNonzeroFloat64, "4.9E-324"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"},
	}
	for _, tt := range tests {
		if got := javaDouble(tt.in); got != tt.want {
			t.Errorf("javaDouble(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    any
		typ  ConfigType
		want *string
	}{
		{nil, TypeStringConfig, nil},
		{"x", TypeStringConfig, ptr("x")},
		{"secret", TypePasswordConfig, ptr("[hidden]")},
		{[]string{"a", "b"}, TypeListConfig, ptr("a,b")},
		{[]string{}, TypeListConfig, ptr("")},
		{int64(-1), TypeShortConfig, ptr("-1")},
		{2.0, TypeDoubleConfig, ptr("2.0")},
		{true, TypeBooleanConfig, ptr("true")},
	}
	for _, tt := range tests {
		got := formatValue(tt.v, tt.typ)
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("formatValue(%v, %s) = %v, want %v", tt.v, tt.typ, deref(got), deref(tt.want))
		}
	}
	if got := javaValue([]string{"a", "b"}, TypeListConfig); got != "[a, b]" {
		t.Errorf("javaValue(list) = %q", got)
	}
}

func ptr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func testSpec() *Spec {
	return NewSpec(
		String("host").Imp(High).Documentation("Host.").InGroup("Connection", 0),
		Int("port").WithDefault("1883").Check(Between(1, 65535)).InGroup("Connection", 0),
		Password("password").Opt().InGroup("Connection", 5),
		Int("timeout").Opt().Check(AtLeast(0)).InGroup("Connection", 0),
		List("topics").WithDefault(" a , b ").InGroup("Topics", 0),
		Bool("clean").WithDefault("true"),
		Double("ratio").WithDefault("1"),
		Long("size").WithDefault("10"),
		Class("impl").Opt(),
	)
}

func TestSpecParse(t *testing.T) {
	p, err := testSpec().Parse(map[string]string{
		"host": " broker ", "password": "pw", "clean": "FALSE", "timeout": "0", "extra": "x", "impl": " Foo ",
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"String", p.String("host"), "broker"},
		{"Int default", p.Int("port"), 1883},
		{"Long", p.Long("size"), int64(10)},
		{"Password", p.Password("password"), "pw"},
		{"String of password", p.String("password"), ""},
		{"List default", p.List("topics"), []string{"a", "b"}},
		{"Bool", p.Bool("clean"), false},
		{"Double", p.Double("ratio"), 1.0},
		{"Double of int", p.Double("port"), 1883.0},
		{"Class", p.String("impl"), "Foo"},
		{"undefined", p.String("extra"), ""},
		{"IsSet given", p.IsSet("timeout"), true},
		{"IsSet default", p.IsSet("port"), false},
		{"IsSet undefined", p.IsSet("extra"), true},
		{"Raw", p.Raw()["extra"], "x"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if f := testSpec().Field("port"); f == nil || f.Type != TypeIntConfig {
		t.Errorf("Field(port) = %v", f)
	}
	if testSpec().Field("nope") != nil {
		t.Error("Field(nope) found something")
	}
	if _, ok := p.Value("timeout"); !ok {
		t.Error("Value(timeout) unset")
	}
	q, err := testSpec().Parse(map[string]string{"host": "h"})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := q.Value("timeout"); ok || v != nil {
		t.Errorf("unset optional Value = %v, %v", v, ok)
	}
}

func TestSpecParseListsEveryProblem(t *testing.T) {
	_, err := testSpec().Parse(map[string]string{"port": "0", "timeout": "x", "clean": "maybe"})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *ParseError", err)
	}
	want := []string{
		`Missing required configuration "host" which has no default value.`,
		"Invalid value 0 for configuration port: Value must be at least 1",
		"Invalid value x for configuration timeout: Not a number of type INT",
		"Invalid value maybe for configuration clean: Expected value to be either true or false",
	}
	if !slices.Equal(pe.Errors, want) {
		t.Errorf("errors:\n%q\nwant\n%q", pe.Errors, want)
	}
	single := &ParseError{Errors: want[:1]}
	if single.Error() != want[0] {
		t.Errorf("single error reads %q", single.Error())
	}
}

func TestSpecNil(t *testing.T) {
	var s *Spec
	if infos := s.KeyInfos(); infos == nil || len(infos) != 0 {
		t.Errorf("KeyInfos of nil spec = %#v", infos)
	}
	p, err := s.Parse(map[string]string{"a": "b"})
	if err != nil || !p.IsSet("a") {
		t.Errorf("Parse of nil spec = %v, %v", p, err)
	}
	if s.Field("a") != nil {
		t.Error("Field on nil spec")
	}
}

func TestKeyInfosOrders(t *testing.T) {
	infos := testSpec().KeyInfos()
	type row struct {
		name  string
		group string
		order int
		def   string
		req   bool
	}
	var got []row
	for _, k := range infos {
		g := "<nil>"
		if k.Group != nil {
			g = *k.Group
		}
		got = append(got, row{k.Name, g, k.Order, deref(k.DefaultValue), k.Required})
	}
	want := []row{
		{"host", "Connection", 0, "<nil>", true},
		{"port", "Connection", 1, "1883", false},
		{"password", "Connection", 5, "<nil>", false},
		{"timeout", "Connection", 6, "<nil>", false},
		{"topics", "Topics", 0, "a,b", false},
		{"clean", "<nil>", -1, "true", false},
		{"ratio", "<nil>", -1, "1.0", false},
		{"size", "<nil>", -1, "10", false},
		{"impl", "<nil>", -1, "<nil>", false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
	if infos[0].Dependents == nil {
		t.Error("dependents must be an empty list, not null")
	}
	pw := NewSpec(Password("p").WithDefault("s")).KeyInfos()[0]
	if deref(pw.DefaultValue) != "[hidden]" {
		t.Errorf("password default shown as %q", deref(pw.DefaultValue))
	}
}

func TestCheckSpec(t *testing.T) {
	tests := []struct {
		name string
		spec *Spec
		ok   bool
	}{
		{"nil", nil, true},
		{"fine", testSpec(), true},
		{"duplicate", NewSpec(String("a"), Int("a")), false},
		{"no name", NewSpec(String("")), false},
		{"bad type", NewSpec(&Field{Name: "x", Type: "NUMBER"}), false},
		{"bad default", NewSpec(Int("x").WithDefault("one")), false},
		{"default fails validator", NewSpec(Int("x").WithDefault("0").Check(AtLeast(1))), false},
	}
	for _, tt := range tests {
		err := checkSpec(tt.spec)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidPlugin) {
			t.Errorf("%s: %v does not wrap ErrInvalidPlugin", tt.name, err)
		}
	}
}
