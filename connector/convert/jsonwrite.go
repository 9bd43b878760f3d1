package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/javajson"
)

// schemaJSON is JsonConverter.asJsonSchema: type, the type's own keys, optional, then name, version, doc,
// parameters and default when set.
func (c *JSONConverter) schemaJSON(s *connector.Schema) (any, error) {
	if s == nil {
		return nil, nil
	}
	o, err := c.schemaObject(s, 0)
	if err != nil {
		return nil, err
	}
	return o, nil
}

// schemaObject is schemaJSON for a non-nil schema, with room for spare more members.
func (c *JSONConverter) schemaObject(s *connector.Schema, spare int) (javajson.Object, error) {
	o := make(javajson.Object, 0, schemaMembers(s)+spare)
	o = append(o, javajson.Member{Key: "type", Value: string(s.Type)})
	switch s.Type {
	case connector.TypeBoolean, connector.TypeInt8, connector.TypeInt16, connector.TypeInt32, connector.TypeInt64,
		connector.TypeFloat32, connector.TypeFloat64, connector.TypeBytes, connector.TypeString:
	case connector.TypeArray:
		items, err := c.schemaJSON(s.ValueSchema)
		if err != nil {
			return nil, err
		}
		o = append(o, javajson.Member{Key: "items", Value: items})
	case connector.TypeMap:
		keys, err := c.schemaJSON(s.KeySchema)
		if err != nil {
			return nil, err
		}
		values, err := c.schemaJSON(s.ValueSchema)
		if err != nil {
			return nil, err
		}
		o = append(o, javajson.Member{Key: "keys", Value: keys}, javajson.Member{Key: "values", Value: values})
	case connector.TypeStruct:
		fields := make([]any, 0, len(s.Fields))
		for _, f := range s.Fields {
			// Each field is its own schema with "field" appended last.
			var obj javajson.Object
			if f.Schema != nil {
				var err error
				if obj, err = c.schemaObject(f.Schema, 1); err != nil {
					return nil, err
				}
			}
			fields = append(fields, append(obj, javajson.Member{Key: "field", Value: f.Name}))
		}
		o = append(o, javajson.Member{Key: "fields", Value: fields})
	default:
		return nil, dataError(fmt.Sprintf("Couldn't translate unsupported schema type %s.", s.Type))
	}
	o = append(o, javajson.Member{Key: "optional", Value: s.Optional})
	if s.Name != "" {
		o = append(o, javajson.Member{Key: "name", Value: s.Name})
	}
	if s.Version != 0 {
		o = append(o, javajson.Member{Key: "version", Value: s.Version})
	}
	if s.Doc != "" {
		o = append(o, javajson.Member{Key: "doc", Value: s.Doc})
	}
	if s.Parameters != nil {
		o = append(o, javajson.Member{Key: "parameters", Value: s.Parameters})
	}
	if !isNil(s.Default) {
		d, err := c.toJSON(s, s.Default)
		if err != nil {
			return nil, err
		}
		o = append(o, javajson.Member{Key: "default", Value: d})
	}
	return o, nil
}

// schemaMembers is the number of members schemaObject writes for s.
func schemaMembers(s *connector.Schema) int {
	n := 2 // type and optional
	switch s.Type {
	case connector.TypeArray, connector.TypeStruct:
		n++
	case connector.TypeMap:
		n += 2
	}
	for _, set := range []bool{s.Name != "", s.Version != 0, s.Doc != "", s.Parameters != nil, !isNil(s.Default)} {
		if set {
			n++
		}
	}
	return n
}

// toJSON is JsonConverter.convertToJson: it turns a Connect value into a value javajson writes.
func (c *JSONConverter) toJSON(s *connector.Schema, v any) (any, error) {
	if raw, ok := v.(connector.RawJSON); ok && raw != nil {
		return json.RawMessage(raw), nil
	}
	if isNil(v) {
		switch {
		case s == nil:
			return nil, nil
		case !isNil(s.Default) && !c.keepNulls:
			return c.toJSON(s, s.Default)
		case s.Optional:
			return nil, nil
		}
		return nil, dataError("Conversion error: null value for field that is required and has no default value")
	}
	if isLogical(s) {
		return c.logicalToJSON(s, v)
	}

	typ, err := schemaType(s, v)
	if err != nil {
		return nil, err
	}
	mismatch := func() error {
		name := "unknown schema"
		if s != nil {
			name = javaTypeName(s.Type)
		}
		return dataError(fmt.Sprintf("Invalid type for %s: %T", name, v))
	}
	switch typ {
	case connector.TypeInt8, connector.TypeInt16, connector.TypeInt32, connector.TypeInt64:
		n, ok := asInt64(v)
		if !ok || !fitsInt(typ, n) {
			return nil, mismatch()
		}
		return n, nil
	case connector.TypeFloat32:
		switch x := v.(type) {
		case float32:
			return x, nil
		case float64:
			return float32(x), nil
		}
		return nil, mismatch()
	case connector.TypeFloat64:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
		return nil, mismatch()
	case connector.TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, mismatch()
	case connector.TypeString:
		if str, ok := v.(string); ok {
			return str, nil
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
			return rv.String(), nil
		}
		return nil, mismatch()
	case connector.TypeBytes:
		if b, ok := v.([]byte); ok {
			return b, nil
		}
		return nil, dataError(fmt.Sprintf("Invalid type for bytes type: %T", v))
	case connector.TypeArray:
		list, ok := listValues(v)
		if !ok {
			return nil, mismatch()
		}
		var elem *connector.Schema
		if s != nil {
			elem = s.ValueSchema
		}
		out := make([]any, len(list))
		for i, e := range list {
			if out[i], err = c.toJSON(elem, e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case connector.TypeMap:
		return c.mapToJSON(s, v, mismatch)
	case connector.TypeStruct:
		return c.structToJSON(s, v)
	}
	return nil, dataError(fmt.Sprintf("Couldn't convert %v to JSON.", v))
}

// schemaType is the schema's type, or for a schemaless value the type Kafka's ConnectSchema.schemaType infers
// from its class.
func schemaType(s *connector.Schema, v any) (connector.SchemaType, error) {
	if s != nil {
		return s.Type, nil
	}
	switch v.(type) {
	case bool:
		return connector.TypeBoolean, nil
	case int8:
		return connector.TypeInt8, nil
	case int16:
		return connector.TypeInt16, nil
	case int32:
		return connector.TypeInt32, nil
	case int64, int, uint, uint8, uint16, uint32, uint64:
		return connector.TypeInt64, nil
	case float32:
		return connector.TypeFloat32, nil
	case float64:
		return connector.TypeFloat64, nil
	case []byte:
		return connector.TypeBytes, nil
	case string:
		return connector.TypeString, nil
	case *connector.Struct, connector.Struct:
		return connector.TypeStruct, nil
	case time.Time, *big.Rat, *big.Int:
		return "", dataError(fmt.Sprintf("Go type %T does not have corresponding schema type.", v))
	}
	if _, ok := listValues(v); ok {
		return connector.TypeArray, nil
	}
	if _, _, ok := mapEntries(v); ok {
		return connector.TypeMap, nil
	}
	if _, ok := asInt64(v); ok {
		return connector.TypeInt64, nil
	}
	if reflect.ValueOf(v).Kind() == reflect.String {
		return connector.TypeString, nil
	}
	return "", dataError(fmt.Sprintf("Go type %T does not have corresponding schema type.", v))
}

// fitsInt reports whether n is in the range of the integer schema type t.
func fitsInt(t connector.SchemaType, n int64) bool {
	switch t {
	case connector.TypeInt8:
		return n >= -1<<7 && n < 1<<7
	case connector.TypeInt16:
		return n >= -1<<15 && n < 1<<15
	case connector.TypeInt32:
		return n >= -1<<31 && n < 1<<31
	}
	return true
}

// mapToJSON writes a map as an object when its keys are strings (by schema, or all of them without one) and
// as an array of [key, value] pairs otherwise. Entries are sorted: object keys by javajson, pairs by the
// bytes of their encoded key.
func (c *JSONConverter) mapToJSON(s *connector.Schema, v any, mismatch func() error) (any, error) {
	entries, allStrings, ok := mapEntries(v)
	if !ok {
		return nil, mismatch()
	}
	var keySchema, valueSchema *connector.Schema
	objectMode := allStrings
	if s != nil {
		keySchema, valueSchema = s.KeySchema, s.ValueSchema
		objectMode = keySchema != nil && keySchema.Type == connector.TypeString
	}
	if objectMode {
		obj := make(map[string]any, len(entries))
		for _, e := range entries {
			k, err := c.toJSON(keySchema, e.Key)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, dataError(fmt.Sprintf("Invalid type for STRING: %T", e.Key))
			}
			if obj[ks], err = c.toJSON(valueSchema, e.Value); err != nil {
				return nil, err
			}
		}
		return obj, nil
	}
	type pair struct {
		key     []byte
		encoded []any
	}
	pairs := make([]pair, 0, len(entries))
	for _, e := range entries {
		k, err := c.toJSON(keySchema, e.Key)
		if err != nil {
			return nil, err
		}
		val, err := c.toJSON(valueSchema, e.Value)
		if err != nil {
			return nil, err
		}
		kb, err := javajson.Marshal(k)
		if err != nil {
			return nil, dataErrorCause("Converting Kafka Connect data to byte[] failed due to serialization error: ", err)
		}
		pairs = append(pairs, pair{key: kb, encoded: []any{json.RawMessage(kb), val}})
	}
	slices.SortFunc(pairs, func(a, b pair) int { return bytes.Compare(a.key, b.key) })
	out := make([]any, len(pairs))
	for i, p := range pairs {
		out[i] = p.encoded
	}
	return out, nil
}

// structToJSON writes a struct's fields in schema order. The struct must carry the schema it is written
// with, as Kafka checks with Schema.equals.
func (c *JSONConverter) structToJSON(s *connector.Schema, v any) (any, error) {
	var st *connector.Struct
	switch x := v.(type) {
	case *connector.Struct:
		st = x
	case connector.Struct:
		st = &x
	default:
		return nil, dataError(fmt.Sprintf("Invalid type for STRUCT: %T", v))
	}
	if s == nil || st.Schema == nil || (st.Schema != s && !reflect.DeepEqual(st.Schema, s)) {
		return nil, dataError("Mismatching schema.")
	}
	obj := make(javajson.Object, 0, len(s.Fields))
	for i, f := range s.Fields {
		var fv any
		if i < len(st.Values) {
			fv = st.Values[i]
		}
		j, err := c.toJSON(f.Schema, fv)
		if err != nil {
			return nil, err
		}
		obj = append(obj, javajson.Member{Key: f.Name, Value: j})
	}
	return obj, nil
}

// logicalToJSON writes Decimal, Date, Time and Timestamp values.
func (c *JSONConverter) logicalToJSON(s *connector.Schema, v any) (any, error) {
	switch s.Name {
	case DecimalName:
		unscaled, scale, err := decimalUnscaled(s, v)
		if err != nil {
			return nil, err
		}
		if c.decimalNumeric {
			return json.Number(BigDecimalString(unscaled, scale)), nil
		}
		return twosComplement(unscaled), nil
	case DateName, TimeName, TimestampName:
		if n, ok := asInt64(v); ok {
			return n, nil
		}
		t, ok := v.(time.Time)
		if !ok {
			kind := strings.TrimPrefix(s.Name, "org.apache.kafka.connect.data.")
			return nil, dataError(fmt.Sprintf("Invalid type for %s, expected Date but was %T", kind, v))
		}
		switch s.Name {
		case DateName:
			return dateDays(t)
		case TimeName:
			return timeMillis(t)
		}
		return t.UnixMilli(), nil
	}
	return nil, dataError("unknown logical type " + s.Name)
}
