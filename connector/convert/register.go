package convert

import (
	"github.com/connectd/connectd/connector"
)

// Fully qualified class names of the converters, as Kafka Connect reports them.
const (
	StringConverterClass       = "org.apache.kafka.connect.storage.StringConverter"
	JSONConverterClass         = "org.apache.kafka.connect.json.JsonConverter"
	ByteArrayConverterClass    = "org.apache.kafka.connect.converters.ByteArrayConverter"
	SimpleHeaderConverterClass = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
	BooleanConverterClass      = "org.apache.kafka.connect.converters.BooleanConverter"
	DoubleConverterClass       = "org.apache.kafka.connect.converters.DoubleConverter"
	FloatConverterClass        = "org.apache.kafka.connect.converters.FloatConverter"
	IntegerConverterClass      = "org.apache.kafka.connect.converters.IntegerConverter"
	LongConverterClass         = "org.apache.kafka.connect.converters.LongConverter"
	ShortConverterClass        = "org.apache.kafka.connect.converters.ShortConverter"
)

// Version is the version the converters report, that of the Kafka release they follow.
const Version = "3.9.0"

// Register adds the converters to r the way Kafka 3.9 lists them: StringConverter, JsonConverter,
// ByteArrayConverter and the primitive converters (Boolean, Double, Float, Integer, Long, Short) both as
// converter and as header_converter (their Java classes implement both interfaces), SimpleHeaderConverter as
// header_converter only (it is not a Converter in Kafka).
func Register(r *connector.Registry) error {
	both := []struct {
		class string
		spec  func() *connector.Spec
		conv  func() typedConverter
	}{
		{StringConverterClass, StringSpec, func() typedConverter { return NewString() }},
		{JSONConverterClass, JSONSpec, func() typedConverter { return NewJSON() }},
		{ByteArrayConverterClass, ByteArraySpec, func() typedConverter { return NewByteArray() }},
		{BooleanConverterClass, BooleanSpec, func() typedConverter { return NewBoolean() }},
		{DoubleConverterClass, NumberSpec, func() typedConverter { return NewDouble() }},
		{FloatConverterClass, NumberSpec, func() typedConverter { return NewFloat() }},
		{IntegerConverterClass, NumberSpec, func() typedConverter { return NewInteger() }},
		{LongConverterClass, NumberSpec, func() typedConverter { return NewLong() }},
		{ShortConverterClass, NumberSpec, func() typedConverter { return NewShort() }},
	}
	for _, b := range both {
		if err := r.RegisterConverter(connector.ConverterPlugin{
			Class: b.class, Type: connector.PluginConverter, Version: Version, Spec: b.spec(),
			NewConverter: func() connector.Converter { return b.conv() },
		}); err != nil {
			return err
		}
		if err := r.RegisterConverter(connector.ConverterPlugin{
			Class: b.class, Type: connector.PluginHeaderConverter, Version: Version, Spec: b.spec(),
			NewHeaderConverter: func() connector.HeaderConverter { return &headerAdapter{c: b.conv()} },
		}); err != nil {
			return err
		}
	}
	return r.RegisterConverter(connector.ConverterPlugin{
		Class: SimpleHeaderConverterClass, Type: connector.PluginHeaderConverter, Version: Version,
		Spec:               connector.NewSpec(),
		NewHeaderConverter: func() connector.HeaderConverter { return NewSimpleHeader() },
	})
}
