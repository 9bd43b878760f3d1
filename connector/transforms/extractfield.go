package transforms

import (
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/connectd/connectd/connector"
)

// ExtractField ($Key, $Value) replaces the key or value with one of its fields: a Struct's field (with the
// field's schema) or a schemaless map's entry. KIP-821's field.syntax.version V2 lets the field be a dotted
// path into nested structs and maps.

const (
	extractFieldClass   = transformsPackage + "ExtractField"
	extractFieldPurpose = "field extraction"

	// keyReplaceNullWithDefault is KIP-1040's key, shared by several transformations.
	keyReplaceNullWithDefault = "replace.null.with.default"
	docReplaceNullWithDefault = "Whether to replace fields that have a default value and that are null to the " +
		"default value. When set to true, the default value is used, otherwise null is used."

	keyFieldSyntaxVersion = "field.syntax.version"
	docFieldSyntaxVersion = "Defines the version of the syntax to access fields. " +
		"If set to `V1`, then the field paths are limited to access the elements at the root level of the struct or map. " +
		"If set to `V2`, the syntax will support accessing nested elements. " +
		"To access nested elements, dotted notation is used. " +
		"If dots are already included in the field name, " +
		"then backtick pairs can be used to wrap field names containing dots. " +
		"E.g. to access the subfield `baz` from a field named \"foo.bar\" in a struct/map " +
		"the following format can be used to access its elements: \"`foo.bar`.baz\"."
)

func extractFieldSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("field").Imp(connector.Medium).Documentation("Field name to extract."),
		connector.Bool(keyReplaceNullWithDefault).WithDefault("true").Imp(connector.Medium).
			Documentation(docReplaceNullWithDefault),
		fieldSyntaxVersionField(),
	)
}

// fieldSyntaxVersionField is FieldSyntaxVersion.appendConfigTo's key, which Kafka appends to the ConfigDef of
// the transformations that accept nested field paths.
func fieldSyntaxVersionField() *connector.Field {
	return connector.String(keyFieldSyntaxVersion).WithDefault("V1").Imp(connector.High).
		Documentation(docFieldSyntaxVersion).Check(connector.OneOfIgnoreCase("V1", "V2"))
}

func extractFieldPlugins() []connector.TransformPlugin {
	return variants(extractFieldClass, extractFieldSpec, newExtractField)
}

type extractField struct {
	side        side
	path        singleFieldPath
	original    string
	replaceNull bool
}

func newExtractField(s side, config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(extractFieldSpec(), config)
	if err != nil {
		return nil, err
	}
	original := p.String("field")
	path, err := newSingleFieldPath(original, strings.EqualFold(p.String(keyFieldSyntaxVersion), "V2"))
	if err != nil {
		return nil, err
	}
	return &extractField{side: s, path: path, original: original, replaceNull: p.Bool(keyReplaceNullWithDefault)}, nil
}

func (t *extractField) Apply(rec *connector.Record) (*connector.Record, error) {
	schema := t.side.schema(rec)
	if schema == nil {
		m, err := requireMapOrNull(t.side.value(rec), extractFieldPurpose)
		if err != nil {
			return nil, err
		}
		var v any
		if m != nil {
			if v, err = t.path.valueFromMap(m); err != nil {
				return nil, err
			}
		}
		return t.side.with(rec, nil, v), nil
	}
	st, err := requireStructOrNull(t.side.value(rec), extractFieldPurpose)
	if err != nil {
		return nil, err
	}
	field, err := t.path.fieldFrom(schema)
	if err != nil {
		return nil, err
	}
	if field == nil {
		return nil, illegalArgument("Unknown field: " + t.original)
	}
	var v any
	if st != nil {
		if v, err = t.path.valueFromStruct(st, t.replaceNull); err != nil {
			return nil, err
		}
	}
	return t.side.with(rec, field.Schema, v), nil
}

// singleFieldPath is Kafka's SingleFieldPath (KIP-821): the steps of a field path. Syntax V1 takes the whole
// text as one field name; V2 splits it at dots, where a field name wrapped in backticks may hold dots and a
// backslash escapes a backtick that would otherwise close the name.
type singleFieldPath struct {
	steps []string
}

func newSingleFieldPath(text string, v2 bool) (singleFieldPath, error) {
	if !v2 {
		return singleFieldPath{steps: []string{text}}, nil
	}
	steps, err := fieldPathStepsV2(text)
	return singleFieldPath{steps: steps}, err
}

// fieldPathStepsV2 splits a V2 path as Kafka's SingleFieldPath.buildFieldPathV2 does, including its
// treatment of backticks that do not wrap a whole step (kept as part of the name) and of a trailing dot (an
// empty last step). The delimiters are ASCII, so scanning bytes finds them where Java scans chars.
func fieldPathStepsV2(path string) ([]string, error) {
	const backtick, dot, backslash = '`', '.', '\\'
	var steps []string
	idx := 0
	for idx < len(path) && idx >= 0 {
		if path[idx] != backtick {
			start := idx
			next := strings.IndexByte(path[idx:], dot)
			if next < 0 {
				steps = append(steps, path[start:])
				idx = -1
				continue
			}
			idx += next
			steps = append(steps, path[start:idx])
			idx++
			continue
		}
		backtickAt := idx
		idx++
		var field strings.Builder
		start := idx
		for {
			next := strings.IndexByte(path[idx:], backtick)
			if next < 0 {
				return nil, incompleteBacktickPair(path, backtickAt)
			}
			idx += next
			escaped := path[idx-1] == backslash
			if idx >= len(path)-1 {
				// The path ends with this backtick: it closes the step unless escaped.
				if escaped {
					return nil, incompleteBacktickPair(path, backtickAt)
				}
				field.WriteString(path[start:idx])
				steps = append(steps, field.String())
				idx++
				break
			}
			if path[idx+1] != dot {
				// Not followed by a dot: part of the name; look further for the closing backtick.
				idx++
				continue
			}
			if escaped {
				// An escaped backtick before a dot: the backtick (without its backslash) is part of the name.
				field.WriteString(path[start : idx-1])
				field.WriteByte(backtick)
				idx++
				start = idx
				continue
			}
			field.WriteString(path[start:idx])
			steps = append(steps, field.String())
			idx += 2
			break
		}
	}
	if path != "" && path[len(path)-1] == dot {
		steps = append(steps, "")
	}
	return steps, nil
}

// incompleteBacktickPair is Kafka's ConfigException for an unclosed backtick; the position counts UTF-16
// chars, as Java's string indexes do.
func incompleteBacktickPair(path string, backtickAt int) error {
	pos := len(utf16.Encode([]rune(path[:backtickAt])))
	return &connector.ConfigError{Message: "Incomplete backtick pair in path: [" + path + "]," +
		" consider adding a backslash before backtick at position " + strconv.Itoa(pos) + " to escape it"}
}

// parentsAndLast splits the steps as Java's stepsWithoutLast and lastStep do. A V2 path of "" has no steps,
// where Java's subList(0, -1) throws.
func (p singleFieldPath) parentsAndLast() ([]string, string, error) {
	if len(p.steps) == 0 {
		return nil, "", illegalArgument("fromIndex(0) > toIndex(-1)")
	}
	return p.steps[:len(p.steps)-1], p.steps[len(p.steps)-1], nil
}

// fieldFrom is SingleFieldPath.fieldFrom: the field the path names in schema, nil when a step is missing. A
// step into a schema that is not a struct fails as Java's ConnectSchema.field does.
func (p singleFieldPath) fieldFrom(schema *connector.Schema) (*connector.SchemaField, error) {
	if schema == nil {
		return nil, nil
	}
	parents, last, err := p.parentsAndLast()
	if err != nil {
		return nil, err
	}
	current := schema
	for _, step := range parents {
		f, err := structField(current, step)
		if err != nil || f == nil {
			return nil, err
		}
		current = f.Schema
	}
	return structField(current, last)
}

// structField is Java's Schema.field(name).
func structField(s *connector.Schema, name string) (*connector.SchemaField, error) {
	if s.Type != connector.TypeStruct {
		return nil, connector.NewDataError("Cannot look up fields on non-struct type")
	}
	_, f := s.Field(name)
	return f, nil
}

// valueFromStruct is SingleFieldPath.valueFrom(struct, withDefault): nil when a step is missing; a nested
// step goes through Struct.get (defaults applied), the last through get or getWithoutDefault.
func (p singleFieldPath) valueFromStruct(st *connector.Struct, withDefault bool) (any, error) {
	parents, last, err := p.parentsAndLast()
	if err != nil {
		return nil, err
	}
	current := st
	for _, step := range parents {
		if _, f := current.Schema.Field(step); f == nil {
			return nil, nil
		}
		sub, err := current.Get(step)
		if err != nil {
			return nil, err
		}
		if current, err = requireStructOrNull(sub, "nested field access"); err != nil || current == nil {
			return nil, err
		}
	}
	if _, f := current.Schema.Field(last); f == nil {
		return nil, nil
	}
	if withDefault {
		return current.Get(last)
	}
	return current.GetWithoutDefault(last)
}

// valueFromMap is SingleFieldPath.valueFrom(map): nil when a step is missing.
func (p singleFieldPath) valueFromMap(m map[string]any) (any, error) {
	parents, last, err := p.parentsAndLast()
	if err != nil {
		return nil, err
	}
	current := m
	for _, step := range parents {
		if current, err = requireMapOrNull(current[step], "nested field access"); err != nil || current == nil {
			return nil, err
		}
	}
	return current[last], nil
}
