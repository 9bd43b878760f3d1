package transforms

import (
	"slices"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
)

// InsertHeader adds a header with a fixed value to every record. The value is written as text and typed as
// Kafka's Values.parseString types it ("1" is an INT8, "true" a BOOLEAN, "[1,2]" an array, "null" no value),
// as the SimpleHeaderConverter does.

const insertHeaderClass = transformsPackage + "InsertHeader"

func insertHeaderSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("header").Imp(connector.High).Check(connector.NonNull()).
			Documentation("The name of the header."),
		connector.String("value.literal").Imp(connector.High).Check(connector.NonNull()).
			Documentation("The literal value that is to be set as the header value on all records."),
	)
}

func insertHeaderPlugins() []connector.TransformPlugin {
	return []connector.TransformPlugin{{Class: insertHeaderClass, Type: connector.PluginTransformation,
		Spec: insertHeaderSpec(), NewTransformation: newInsertHeader}}
}

type insertHeader struct {
	header connector.Header
}

func newInsertHeader(config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(insertHeaderSpec(), config)
	if err != nil {
		return nil, err
	}
	schema, value := convert.ParseString(p.String("value.literal"))
	return &insertHeader{header: connector.Header{Key: p.String("header"), Schema: schema, Value: value}}, nil
}

func (t *insertHeader) Apply(rec *connector.Record) (*connector.Record, error) {
	out := *rec
	// Every record gets the same parsed value, as in Kafka; transformations do not modify values in place.
	out.Headers = append(slices.Clip(rec.Headers), t.header)
	return &out, nil
}
