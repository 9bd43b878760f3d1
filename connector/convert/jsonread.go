package convert

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/connectd/connectd/connector"
)

// nodeType is the JsonNodeType name Kafka's messages print for a decoded node.
func nodeType(node any) string {
	switch node.(type) {
	case nil:
		return "NULL"
	case missing:
		return "MISSING"
	case bool:
		return "BOOLEAN"
	case string:
		return "STRING"
	case json.Number:
		return "NUMBER"
	case []any:
		return "ARRAY"
	case map[string]any:
		return "OBJECT"
	}
	return "POJO"
}

// isIntegral reports whether a number's text has neither fraction nor exponent, which is when Jackson
// reads it as an integer node.
func isIntegral(n json.Number) bool {
	return !strings.ContainsAny(string(n), ".eE")
}

// maxExponent bounds the exponents this package expands into exact integers; beyond it Jackson would hold a
// BigDecimal, and expanding it would cost memory proportional to the exponent.
const maxExponent = 10000

// exactRat parses a number's text exactly, refusing absurd exponents.
func exactRat(n json.Number) (*big.Rat, bool) {
	text := string(n)
	if i := strings.IndexAny(text, "eE"); i >= 0 {
		exp, err := strconv.Atoi(text[i+1:])
		if err != nil || exp > maxExponent || exp < -maxExponent {
			return nil, false
		}
	}
	return new(big.Rat).SetString(text)
}

// low64 is Java's BigInteger.longValue: the low 64 bits in two's complement.
func low64(x *big.Int) int64 {
	if x.IsInt64() {
		return x.Int64()
	}
	mask := new(big.Int).SetUint64(math.MaxUint64)
	return int64(new(big.Int).And(x, mask).Uint64())
}

// nodeInt64 is Jackson's JsonNode.longValue: the integer part of a number (truncated towards zero, wrapped
// to 64 bits), and 0 for anything that is not a number.
func nodeInt64(node any) int64 {
	n, ok := node.(json.Number)
	if !ok {
		return 0
	}
	if isIntegral(n) {
		if v, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return v
		}
		if x, ok := new(big.Int).SetString(string(n), 10); ok {
			return low64(x)
		}
		return 0
	}
	if f, err := strconv.ParseFloat(string(n), 64); err == nil && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	r, ok := exactRat(n)
	if !ok {
		return 0
	}
	return low64(new(big.Int).Quo(r.Num(), r.Denom()))
}

// nodeFloat is Jackson's doubleValue (bits 64) or floatValue (bits 32); 0 for non-numbers.
func nodeFloat(node any, bits int) float64 {
	n, ok := node.(json.Number)
	if !ok {
		return 0
	}
	f, _ := strconv.ParseFloat(string(n), bits) // the text is a valid number; out of range gives ±Inf
	return f
}

// asConnectSchema is JsonConverter.asConnectSchema.
func (c *JSONConverter) asConnectSchema(node any) (*connector.Schema, error) {
	if node == nil {
		return nil, nil
	}
	obj, _ := node.(map[string]any)
	typeName, ok := obj["type"].(string)
	if !ok {
		return nil, dataError("Schema must contain 'type' field")
	}
	s := &connector.Schema{Type: connector.SchemaType(typeName)}
	switch s.Type {
	case connector.TypeBoolean, connector.TypeInt8, connector.TypeInt16, connector.TypeInt32, connector.TypeInt64,
		connector.TypeFloat32, connector.TypeFloat64, connector.TypeBytes, connector.TypeString:
	case connector.TypeArray:
		items := obj["items"]
		if items == nil {
			return nil, dataError("Array schema did not specify the element type")
		}
		elem, err := c.asConnectSchema(items)
		if err != nil {
			return nil, err
		}
		s.ValueSchema = elem
	case connector.TypeMap:
		keys, ok := obj["keys"]
		if !ok {
			return nil, dataError("Map schema did not specify the key type")
		}
		values, ok := obj["values"]
		if !ok {
			return nil, dataError("Map schema did not specify the value type")
		}
		var err error
		if s.KeySchema, err = c.asConnectSchema(keys); err != nil {
			return nil, err
		}
		if s.ValueSchema, err = c.asConnectSchema(values); err != nil {
			return nil, err
		}
		if s.KeySchema == nil {
			return nil, dataError("keySchema cannot be null.")
		}
		if s.ValueSchema == nil {
			return nil, dataError("valueSchema cannot be null.")
		}
	case connector.TypeStruct:
		fields, ok := obj["fields"].([]any)
		if !ok {
			return nil, dataError(`Struct schema's "fields" argument is not an array.`)
		}
		seen := make(map[string]bool, len(fields))
		for _, f := range fields {
			fobj, _ := f.(map[string]any)
			name, ok := fobj["field"].(string)
			if !ok {
				return nil, dataError("Struct schema's field name not specified properly")
			}
			if seen[name] {
				return nil, dataError("Cannot create field because of field name duplication " + name)
			}
			seen[name] = true
			fs, err := c.asConnectSchema(f)
			if err != nil {
				return nil, err
			}
			s.Fields = append(s.Fields, connector.SchemaField{Name: name, Schema: fs})
		}
	default:
		return nil, dataError("Unknown schema type: " + typeName)
	}

	s.Optional = obj["optional"] == true
	if name, ok := obj["name"].(string); ok {
		s.Name = name
	}
	if v, ok := obj["version"].(json.Number); ok && isIntegral(v) {
		s.Version = int(int32(nodeInt64(v)))
	}
	if doc, ok := obj["doc"].(string); ok {
		s.Doc = doc
	}
	if params, ok := obj["parameters"].(map[string]any); ok && len(params) > 0 {
		s.Parameters = make(map[string]string, len(params))
		for k, v := range params {
			text, ok := v.(string)
			if !ok {
				return nil, dataError("Schema parameters must have string values.")
			}
			s.Parameters[k] = text
		}
	}
	if def, ok := obj["default"]; ok {
		d, err := c.toConnect(s, def)
		if err != nil {
			return nil, err
		}
		s.Default = d
	}
	return s, nil
}

// toConnect is JsonConverter.convertToConnect. Mismatched JSON types are coerced as Jackson's accessors do
// (booleanValue false, numbers 0, textValue null), because Kafka accepts such payloads.
func (c *JSONConverter) toConnect(s *connector.Schema, node any) (any, error) {
	var typ connector.SchemaType
	if s != nil {
		if _, isMissing := node.(missing); node == nil || isMissing {
			switch {
			case !isNil(s.Default) && !c.keepNulls:
				return s.Default, nil
			case s.Optional:
				return nil, nil
			}
			return nil, dataError("Invalid null value for required " + javaTypeName(s.Type) + " field")
		}
		typ = s.Type
	} else {
		switch n := node.(type) {
		case nil, missing:
			return nil, nil
		case bool:
			typ = connector.TypeBoolean
		case json.Number:
			typ = connector.TypeFloat64
			if isIntegral(n) {
				typ = connector.TypeInt64
			}
		case []any:
			typ = connector.TypeArray
		case map[string]any:
			typ = connector.TypeMap
		case string:
			typ = connector.TypeString
		default:
			return nil, dataError(fmt.Sprintf("Unknown schema type: %T", node))
		}
	}
	if isLogical(s) {
		return logicalToConnect(s, node)
	}

	switch typ {
	case connector.TypeBoolean:
		b, _ := node.(bool)
		return b, nil
	case connector.TypeInt8:
		return int8(nodeInt64(node)), nil
	case connector.TypeInt16:
		return int16(nodeInt64(node)), nil
	case connector.TypeInt32:
		return int32(nodeInt64(node)), nil
	case connector.TypeInt64:
		return nodeInt64(node), nil
	case connector.TypeFloat32:
		return float32(nodeFloat(node, 32)), nil
	case connector.TypeFloat64:
		return nodeFloat(node, 64), nil
	case connector.TypeString:
		if str, ok := node.(string); ok {
			return str, nil
		}
		return nil, nil
	case connector.TypeBytes:
		str, ok := node.(string)
		if !ok {
			return nil, nil
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil, dataErrorCause("Invalid bytes field", err)
		}
		return b, nil
	case connector.TypeArray:
		var elem *connector.Schema
		if s != nil {
			elem = s.ValueSchema
		}
		// Jackson iterates an object's values and a scalar as empty.
		var items []any
		switch n := node.(type) {
		case []any:
			items = n
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(n)) {
				items = append(items, n[k])
			}
		}
		out := make([]any, len(items))
		for i, item := range items {
			v, err := c.toConnect(elem, item)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case connector.TypeMap:
		return c.mapToConnect(s, node)
	case connector.TypeStruct:
		obj, ok := node.(map[string]any)
		if !ok {
			return nil, dataError("Structs should be encoded as JSON objects, but found " + nodeType(node))
		}
		st := &connector.Struct{Schema: s, Values: make([]any, len(s.Fields))}
		for i, f := range s.Fields {
			fnode, present := obj[f.Name]
			if !present {
				fnode = missing{}
			}
			v, err := c.toConnect(f.Schema, fnode)
			if err != nil {
				return nil, err
			}
			if v == nil && f.Schema != nil && !f.Schema.Optional {
				return nil, dataError(fmt.Sprintf("Invalid value: null used for required field: \"%s\", schema type: %s",
					f.Name, javaTypeName(f.Schema.Type)))
			}
			st.Values[i] = v
		}
		return st, nil
	}
	return nil, dataError("Unknown schema type: " + javaTypeName(typ))
}

// mapToConnect reads an object (string keys, or no schema) into map[string]any and an array of pairs into
// map[any]any.
func (c *JSONConverter) mapToConnect(s *connector.Schema, node any) (any, error) {
	var keySchema, valueSchema *connector.Schema
	if s != nil {
		keySchema, valueSchema = s.KeySchema, s.ValueSchema
	}
	if s == nil || keySchema == nil || keySchema.Type == connector.TypeString {
		obj, ok := node.(map[string]any)
		if !ok {
			return nil, dataError("Maps with string fields should be encoded as JSON objects, but found " + nodeType(node))
		}
		out := make(map[string]any, len(obj))
		for k, v := range obj {
			cv, err := c.toConnect(valueSchema, v)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		return out, nil
	}
	list, ok := node.([]any)
	if !ok {
		return nil, dataError("Maps with non-string fields should be encoded as JSON array of tuples, but found " + nodeType(node))
	}
	out := make(map[any]any, len(list))
	for _, e := range list {
		pair, ok := e.([]any)
		if !ok {
			return nil, dataError("Found invalid map entry instead of array tuple: " + nodeType(e))
		}
		if len(pair) != 2 {
			return nil, dataError("Found invalid map entry, expected length 2 but found :" + strconv.Itoa(len(pair)))
		}
		k, err := c.toConnect(keySchema, pair[0])
		if err != nil {
			return nil, err
		}
		if k != nil && !reflect.TypeOf(k).Comparable() {
			return nil, dataError(fmt.Sprintf("map keys of type %T cannot be represented in Go", k))
		}
		v, err := c.toConnect(valueSchema, pair[1])
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// logicalToConnect reads Decimal, Date, Time and Timestamp payloads.
func logicalToConnect(s *connector.Schema, node any) (any, error) {
	switch s.Name {
	case DecimalName:
		switch n := node.(type) {
		case json.Number:
			r, ok := exactRat(n)
			if !ok {
				return nil, dataError("Invalid type for Decimal, value out of range: " + string(n))
			}
			return r, nil
		case string:
			b, err := base64.StdEncoding.DecodeString(n)
			if err != nil {
				return nil, dataErrorCause("Invalid bytes for Decimal field", err)
			}
			scale, err := decimalScale(s)
			if err != nil {
				return nil, dataErrorCause("Invalid bytes for Decimal field", err)
			}
			unscaled, err := fromTwosComplement(b)
			if err != nil {
				return nil, dataErrorCause("Invalid bytes for Decimal field", err)
			}
			return ratFromUnscaled(unscaled, scale), nil
		}
		return nil, dataError("Invalid type for Decimal, underlying representation should be numeric or bytes but was " + nodeType(node))
	case DateName, TimeName:
		kind := strings.TrimPrefix(s.Name, "org.apache.kafka.connect.data.")
		n, ok := node.(json.Number)
		v := nodeInt64(node)
		if !ok || !isIntegral(n) || v != int64(int32(v)) {
			return nil, dataError("Invalid type for " + kind + ", underlying representation should be integer but was " + nodeType(node))
		}
		if s.Name == TimeName && (v < 0 || v > millisPerDay) {
			return nil, dataError("Time values must use number of milliseconds greater than 0 and less than 86400000")
		}
		return logicalTime(s.Name, v), nil
	case TimestampName:
		n, ok := node.(json.Number)
		if !ok || !isIntegral(n) {
			return nil, dataError("Invalid type for Timestamp, underlying representation should be integral but was " + nodeType(node))
		}
		return logicalTime(s.Name, nodeInt64(n)), nil
	}
	return nil, dataError("unknown logical type " + s.Name)
}
