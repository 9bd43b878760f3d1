package convert

import (
	"bytes"
	"maps"
	"strings"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/javajson"
)

// Configuration keys of the converters.
const (
	KeyConverterType          = "converter.type"
	KeyEncoding               = "converter.encoding"
	KeySchemasEnable          = "schemas.enable"
	KeySchemasCacheSize       = "schemas.cache.size"
	KeyDecimalFormat          = "decimal.format"
	KeyReplaceNullWithDefault = "replace.null.with.default"
)

// Values of converter.type.
const (
	typeKey    = "key"
	typeValue  = "value"
	typeHeader = "header"
)

// converterTypeField is ConverterConfig's converter.type: required, set by the worker.
func converterTypeField() *connector.Field {
	return connector.String(KeyConverterType).Check(connector.OneOf(typeKey, typeValue, typeHeader)).
		Imp(connector.Low).Documentation("How this converter will be used.")
}

// JSONSpec returns the configuration of JsonConverter (JsonConverterConfig).
func JSONSpec() *connector.Spec {
	return connector.NewSpec(
		converterTypeField(),
		connector.Bool(KeySchemasEnable).WithDefault("true").Imp(connector.High).
			Documentation("Include schemas within each of the serialized values and keys.").
			InGroup("Schemas", 0).Display("Enable Schemas", connector.WidthMedium),
		connector.Int(KeySchemasCacheSize).WithDefault("1000").Imp(connector.High).
			Documentation("The maximum number of schemas that can be cached in this converter instance.").
			InGroup("Schemas", 0).Display("Schema Cache Size", connector.WidthMedium),
		connector.String(KeyDecimalFormat).WithDefault("BASE64").Check(connector.OneOfIgnoreCase("BASE64", "NUMERIC")).
			Imp(connector.Low).
			Documentation("Controls which format this converter will serialize decimals in. This value is case "+
				"insensitive and can be either 'BASE64' (default) or 'NUMERIC'").
			InGroup("Serialization", 0).Display("Decimal Format", connector.WidthMedium),
		connector.Bool(KeyReplaceNullWithDefault).WithDefault("true").Imp(connector.Low).
			Documentation("Whether to replace fields that have a default value and that are null to the default "+
				"value. When set to true, the default value is used, otherwise null is used.").
			InGroup("Serialization", 0).Display("Replace null with default", connector.WidthMedium),
	)
}

// withType returns a copy of config with converter.type set, as Kafka's configure(configs, isKey) does.
func withType(config map[string]string, typ string) map[string]string {
	c := maps.Clone(config)
	if c == nil {
		c = map[string]string{}
	}
	c[KeyConverterType] = typ
	return c
}

func converterType(isKey bool) string {
	if isKey {
		return typeKey
	}
	return typeValue
}

// JSONConverter is org.apache.kafka.connect.json.JsonConverter. Its zero value uses Kafka's defaults
// (schemas.enable=true, decimal.format=BASE64, replace.null.with.default=true). It is safe for concurrent use
// once configured.
//
// schemas.cache.size is accepted and validated; connectd does not cache schema translations, so it changes
// nothing.
type JSONConverter struct {
	schemasDisabled bool
	decimalNumeric  bool
	keepNulls       bool
}

// NewJSON returns a JsonConverter with Kafka's defaults.
func NewJSON() *JSONConverter { return &JSONConverter{} }

// Configure applies the converter's settings.
func (c *JSONConverter) Configure(config map[string]string, isKey bool) error {
	return c.configure(config, converterType(isKey))
}

func (c *JSONConverter) configure(config map[string]string, typ string) error {
	p, err := JSONSpec().Parse(withType(config, typ))
	if err != nil {
		return err
	}
	c.schemasDisabled = !p.Bool(KeySchemasEnable)
	c.decimalNumeric = strings.EqualFold(p.String(KeyDecimalFormat), "NUMERIC")
	c.keepNulls = !p.Bool(KeyReplaceNullWithDefault)
	return nil
}

// HeaderConverter returns c as a connector.HeaderConverter, as Kafka registers JsonConverter for headers too.
func (c *JSONConverter) HeaderConverter() connector.HeaderConverter { return &headerAdapter{c: c} }

// FromConnectData writes value as JSON. With schemas enabled the result is the envelope
// {"schema":...,"payload":...}; without, the payload alone. A nil schema with a nil value gives nil bytes.
// Without schemas a connector.RawJSON that is compact already is returned itself, not a copy.
func (c *JSONConverter) FromConnectData(_ string, schema *connector.Schema, value any) ([]byte, error) {
	if schema == nil && isNil(value) {
		return nil, nil
	}
	if raw, ok := value.(connector.RawJSON); ok && c.schemasDisabled && javajson.IsCompact(raw) {
		// A source connector's JSON payload, as most devices send it: what compacting it would write is the
		// payload itself.
		return raw, nil
	}
	var out any
	if c.schemasDisabled {
		payload, err := c.toJSON(schema, value)
		if err != nil {
			return nil, err
		}
		out = payload
	} else {
		if _, raw := value.(connector.RawJSON); raw && !isNil(value) {
			// The document cannot be described by a Connect schema; say so rather than lie.
			schema = nil
		}
		var jsonSchema any
		if schema != nil {
			s, err := c.schemaJSON(schema)
			if err != nil {
				return nil, err
			}
			jsonSchema = s
		}
		payload, err := c.toJSON(schema, value)
		if err != nil {
			return nil, err
		}
		out = javajson.Object{{Key: "schema", Value: jsonSchema}, {Key: "payload", Value: payload}}
	}
	b, err := javajson.Marshal(out)
	if err != nil {
		return nil, dataErrorCause("Converting Kafka Connect data to byte[] failed due to serialization error: ", err)
	}
	return b, nil
}

// envelopeError is Kafka's message for schema'd input that is not an envelope.
const envelopeError = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not " +
	"contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in " +
	"your converter configuration."

// ToConnectData parses JSON. With schemas enabled the input must be an envelope of exactly "schema" and
// "payload"; the schema is rebuilt and the payload converted with it. Without, the schema is nil and the
// value is typed as the package javajson decodes it (objects map[string]any, integers int64, other numbers
// float64). nil data gives a nil value; empty input (Jackson's MissingNode) gives a nil value without schemas
// and the envelope error with them. As with Kafka's JsonDeserializer, anything after the first JSON value is
// ignored.
func (c *JSONConverter) ToConnectData(_ string, data []byte) (*connector.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	var node any = missing{}
	if len(bytes.TrimLeft(data, " \t\r\n")) > 0 {
		n, err := jacksonRead.Unmarshal(data)
		if err != nil {
			return nil, nil, dataErrorCause("Converting byte[] to Kafka Connect data failed due to serialization error: ", err)
		}
		node = n
	}
	if c.schemasDisabled {
		v, err := c.toConnect(nil, node)
		return nil, v, err
	}
	env, ok := node.(map[string]any)
	if !ok || len(env) != 2 {
		return nil, nil, dataError(envelopeError)
	}
	jsonSchema, hasSchema := env["schema"]
	payload, hasPayload := env["payload"]
	if !hasSchema || !hasPayload {
		return nil, nil, dataError(envelopeError)
	}
	schema, err := c.asConnectSchema(jsonSchema)
	if err != nil {
		return nil, nil, err
	}
	v, err := c.toConnect(schema, payload)
	if err != nil {
		return nil, nil, err
	}
	return schema, v, nil
}

// jacksonRead reads as Connect's JsonDeserializer: exact numbers (USE_BIG_DECIMAL_FOR_FLOATS) and anything
// after the first value ignored (readTree's default).
var jacksonRead = javajson.DecodeOptions{UseNumber: true, AllowTrailingData: true}

// missing stands for Jackson's MissingNode: no document at all.
type missing struct{}
