package convert

import (
	"bytes"
	"errors"
	"testing"

	"github.com/connectd/connectd/connector"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if err := Register(r); !errors.Is(err, connector.ErrDuplicatePlugin) {
		t.Errorf("second Register = %v, want ErrDuplicatePlugin", err)
	}

	// Kafka 3.9's listing: the org.apache.kafka.connect.converters classes are both converters and header
	// converters (META-INF/services of connect-runtime).
	var want []connector.PluginInfo
	for _, typ := range []connector.PluginType{connector.PluginConverter, connector.PluginHeaderConverter} {
		classes := []string{BooleanConverterClass, ByteArrayConverterClass, DoubleConverterClass, FloatConverterClass,
			IntegerConverterClass, LongConverterClass, ShortConverterClass, JSONConverterClass}
		if typ == connector.PluginHeaderConverter {
			classes = append(classes, SimpleHeaderConverterClass)
		}
		for _, class := range append(classes, StringConverterClass) {
			want = append(want, connector.PluginInfo{Class: class, Type: typ, Version: Version})
		}
	}
	got := r.Plugins(false)
	if len(got) != len(want) {
		t.Fatalf("Plugins(false) = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Plugins(false)[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}

	for _, alias := range []string{JSONConverterClass, "JsonConverter", "Json"} {
		p, err := r.LookupConverter(alias, connector.PluginConverter)
		if err != nil || p.Class != JSONConverterClass {
			t.Fatalf("LookupConverter(%s) = %v, %v", alias, p, err)
		}
		c := p.NewConverter()
		if err := c.Configure(map[string]string{KeySchemasEnable: "false"}, false); err != nil {
			t.Fatal(err)
		}
		if b, err := c.FromConnectData("t", nil, map[string]any{"a": int64(1)}); err != nil || string(b) != `{"a":1}` {
			t.Errorf("JsonConverter from registry wrote %s, %v", b, err)
		}
	}

	for alias, class := range map[string]string{"LongConverter": LongConverterClass, "Long": LongConverterClass,
		"Boolean": BooleanConverterClass, "ShortConverter": ShortConverterClass, "Double": DoubleConverterClass,
		"Float": FloatConverterClass, "Integer": IntegerConverterClass} {
		for _, typ := range []connector.PluginType{connector.PluginConverter, connector.PluginHeaderConverter} {
			if p, err := r.LookupConverter(alias, typ); err != nil || p.Class != class {
				t.Errorf("LookupConverter(%s, %s) = %v, %v", alias, typ, p, err)
			}
		}
	}
	c, err := r.LookupConverter(LongConverterClass, connector.PluginConverter)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := c.NewConverter().FromConnectData("t", nil, int64(258)); err != nil || !bytes.Equal(b, []byte{0, 0, 0, 0, 0, 0, 1, 2}) {
		t.Errorf("LongConverter from registry wrote % x, %v", b, err)
	}
	if keys, err := r.PluginConfig("LongConverter"); err != nil || len(keys) != 1 || keys[0].Name != KeyConverterType {
		t.Errorf("LongConverter config = %+v, %v", keys, err)
	}

	var pte *connector.PluginTypeError
	if _, err := r.LookupConverter(SimpleHeaderConverterClass, connector.PluginConverter); !errors.As(err, &pte) {
		t.Errorf("SimpleHeaderConverter as converter: err = %v, want *PluginTypeError", err)
	}
	for _, class := range []string{SimpleHeaderConverterClass, StringConverterClass, JSONConverterClass, ByteArrayConverterClass} {
		p, err := r.LookupConverter(class, connector.PluginHeaderConverter)
		if err != nil {
			t.Fatalf("LookupConverter(%s, header): %v", class, err)
		}
		h := p.NewHeaderConverter()
		if err := h.Configure(map[string]string{}); err != nil {
			t.Fatalf("%s Configure: %v", class, err)
		}
		if _, err := h.FromConnectHeader("t", "h", &connector.Schema{Type: connector.TypeBytes}, []byte("v")); err != nil {
			t.Errorf("%s FromConnectHeader: %v", class, err)
		}
	}
}

func TestSpecs(t *testing.T) {
	t.Parallel()
	infos := JSONSpec().KeyInfos()
	names := make([]string, len(infos))
	for i, k := range infos {
		names[i] = k.Name
	}
	wantNames := []string{KeyConverterType, KeySchemasEnable, KeySchemasCacheSize, KeyDecimalFormat, KeyReplaceNullWithDefault}
	if len(names) != len(wantNames) {
		t.Fatalf("JsonConverter keys = %v, want %v", names, wantNames)
	}
	for i := range wantNames {
		if names[i] != wantNames[i] {
			t.Errorf("JsonConverter key %d = %s, want %s", i, names[i], wantNames[i])
		}
	}
	if !infos[0].Required || infos[0].Order != -1 || infos[0].Group != nil {
		t.Errorf("converter.type = %+v, want required, ungrouped, order -1", infos[0])
	}
	if d := infos[1].DefaultValue; d == nil || *d != "true" || infos[1].Group == nil || *infos[1].Group != "Schemas" {
		t.Errorf("schemas.enable = %+v", infos[1])
	}
	// JsonConverterConfig numbers each group from 0 (orderInGroup++).
	for i, want := range []int{-1, 0, 1, 0, 1} {
		if infos[i].Order != want {
			t.Errorf("%s order = %d, want %d", infos[i].Name, infos[i].Order, want)
		}
	}

	p, err := JSONSpec().Parse(map[string]string{KeyConverterType: "value"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Bool(KeySchemasEnable) || p.Int(KeySchemasCacheSize) != 1000 || p.String(KeyDecimalFormat) != "BASE64" ||
		!p.Bool(KeyReplaceNullWithDefault) {
		t.Errorf("JsonConverter defaults wrong")
	}
	if _, err := JSONSpec().Parse(map[string]string{KeyConverterType: "sideways"}); err == nil {
		t.Error("converter.type=sideways parsed")
	}

	sp, err := StringSpec().Parse(map[string]string{KeyConverterType: "key"})
	if err != nil || sp.String(KeyEncoding) != "UTF-8" {
		t.Errorf("StringConverter defaults: %v, %v", sp, err)
	}
	if len(ByteArraySpec().Fields) != 1 {
		t.Errorf("ByteArrayConverter has %d keys, want converter.type only", len(ByteArraySpec().Fields))
	}
}
