package transforms_test

import (
	"path/filepath"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/transforms"
	"github.com/connectd/connectd/connector/transforms/transformtest"
)

// TestGolden runs every case of testdata/golden through connectd's transformations and predicates and compares
// the outcome with Kafka's: the goldens were written by Kafka 3.9's own connect-transforms jar
// (test/integration/smtoracle; `make smt-golden` regenerates them from testdata/cases). One subtest per case,
// named <file>/<case name>.
func TestGolden(t *testing.T) {
	files, err := transformtest.ReadDir(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files in testdata/golden")
	}
	reg := connector.NewRegistry()
	if err := transforms.Register(reg); err != nil {
		t.Fatal(err)
	}
	conv, err := transformtest.Converter()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(f.Base, func(t *testing.T) {
			if len(f.Cases) == 0 {
				t.Fatalf("%s.jsonl has no cases", f.Base)
			}
			for _, c := range f.Cases {
				t.Run(c.Name, func(t *testing.T) {
					got, err := transformtest.Run(reg, conv, c)
					if err != nil {
						t.Fatalf("%s %v: %v", c.Class, c.Config, err)
					}
					if d := transformtest.Diff(c, got); d != "" {
						t.Errorf("%s %v on %s:\n%s", c.Class, c.Config, c.Record, d)
					}
				})
			}
		})
	}
}
