package transforms

import (
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

// BenchmarkChain runs a three-transform chain per record, as a task does for every record when a connector
// config has transforms: stamp the receive time (InsertField), drop a field (ReplaceField) and cast one
// (Cast), on a schemaless map (the JsonConverter's result with schemas off) and on a Struct.
func BenchmarkChain(b *testing.B) {
	r := connector.NewRegistry()
	if err := Register(r); err != nil {
		b.Fatal(err)
	}
	stages, err := r.TransformChain(map[string]string{
		"transforms":                       "stamp,drop,cast",
		"transforms.stamp.type":            "org.apache.kafka.connect.transforms.InsertField$Value",
		"transforms.stamp.timestamp.field": "received_at",
		"transforms.drop.type":             "org.apache.kafka.connect.transforms.ReplaceField$Value",
		"transforms.drop.exclude":          "note",
		"transforms.cast.type":             "org.apache.kafka.connect.transforms.Cast$Value",
		"transforms.cast.spec":             "speed:float32",
	})
	if err != nil {
		b.Fatal(err)
	}
	if len(stages) != 3 {
		b.Fatalf("chain has %d stages, want 3", len(stages))
	}
	optString := &connector.Schema{Type: connector.TypeString, Optional: true}
	schema := &connector.Schema{Type: connector.TypeStruct, Name: "vehicle", Fields: []connector.SchemaField{
		{Name: "vin", Schema: &connector.Schema{Type: connector.TypeString}},
		{Name: "speed", Schema: &connector.Schema{Type: connector.TypeFloat64}},
		{Name: "odometer", Schema: &connector.Schema{Type: connector.TypeInt64}},
		{Name: "note", Schema: optString},
	}}
	st := connector.NewStruct(schema)
	st.Values = []any{"KMHXX00XXXX000000", 87.5, int64(123456), "ok"}
	ts := time.UnixMilli(1_765_000_000_000)
	cases := []struct {
		name string
		rec  connector.Record
	}{
		{"schemaless", connector.Record{Topic: "vehicle-data", Timestamp: ts, Value: map[string]any{
			"vin": "KMHXX00XXXX000000", "speed": 87.5, "odometer": int64(123456), "note": "ok"}}},
		{"struct", connector.Record{Topic: "vehicle-data", Timestamp: ts, ValueSchema: schema, Value: st}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := &c.rec
				for i := range stages {
					var err error
					if rec, err = stages[i].Apply(rec); err != nil {
						b.Fatal(err)
					}
				}
				if rec == &c.rec {
					b.Fatal("the chain returned its input")
				}
			}
		})
	}
}
