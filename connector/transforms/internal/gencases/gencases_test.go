package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/connectd/connectd/connector/transforms/transformtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	casesDir  = filepath.Join("..", "..", "testdata", "cases")
	goldenDir = filepath.Join("..", "..", "testdata", "golden")
)

// TestCasesUpToDate fails when testdata/cases is not what this generator writes: run
// `go run ./connector/transforms/internal/gencases`, then `make smt-golden`.
func TestCasesUpToDate(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	committed, err := filepath.Glob(filepath.Join(casesDir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(committed) != len(files) {
		t.Errorf("testdata/cases has %d files, the generator writes %d", len(committed), len(files))
	}
	for base, want := range files {
		got, err := os.ReadFile(filepath.Join(casesDir, base+".jsonl"))
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/cases/%s.jsonl is stale: run go run ./connector/transforms/internal/gencases and make smt-golden", base)
		}
	}
}

// TestGoldensMatchCases fails when a golden file does not hold the cases of its case file, in order: the
// goldens were not regenerated after the cases changed (`make smt-golden`).
func TestGoldensMatchCases(t *testing.T) {
	cases, err := transformtest.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	goldens, err := transformtest.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	byBase := map[string][]transformtest.Case{}
	for _, g := range goldens {
		byBase[g.Base] = g.Cases
	}
	if len(goldens) != len(cases) {
		t.Errorf("%d golden files for %d case files", len(goldens), len(cases))
	}
	for _, f := range cases {
		g := byBase[f.Base]
		if len(g) != len(f.Cases) {
			t.Errorf("%s: %d goldens for %d cases: run make smt-golden", f.Base, len(g), len(f.Cases))
			continue
		}
		for i, c := range f.Cases {
			if d := transformtest.DiffInput(c, g[i]); d != "" {
				t.Errorf("%s/%s: the golden ran on another input (%s): run make smt-golden", f.Base, c.Name, d)
			}
		}
	}
}

// TestCoverage checks that the corpus reaches every plugin of Kafka 3.9, both variants, and every kind of
// outcome the format has.
func TestCoverage(t *testing.T) {
	goldens, err := transformtest.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]int{}
	outcomes := map[string]int{}
	for _, f := range goldens {
		for _, c := range f.Cases {
			classes[c.Class]++
			switch {
			case c.ConfigError != nil:
				outcomes["configError"]++
			case c.Error != nil:
				outcomes["error"]++
			case c.Test != nil:
				outcomes["test"]++
			case string(c.Want) == "null":
				outcomes["dropped"]++
			default:
				outcomes["want"]++
			}
		}
	}
	var want []string
	for _, b := range []string{"Cast", "ExtractField", "Flatten", "HeaderFrom", "HoistField", "InsertField", "MaskField",
		"ReplaceField", "SetSchemaMetadata", "TimestampConverter"} {
		want = append(want, tp+b+"$Key", tp+b+"$Value")
	}
	for _, b := range []string{"DropHeaders", "Filter", "InsertHeader", "RegexRouter", "TimestampRouter", "ValueToKey"} {
		want = append(want, tp+b)
	}
	for _, b := range []string{"HasHeaderKey", "RecordIsTombstone", "TopicNameMatches"} {
		want = append(want, pp+b)
	}
	for _, class := range want {
		if classes[class] < 3 {
			t.Errorf("%s has %d cases, want at least 3", class, classes[class])
		}
	}
	for _, k := range []string{"configError", "error", "test", "dropped", "want"} {
		if outcomes[k] == 0 {
			t.Errorf("no golden has the outcome %s", k)
		}
	}
	var lines []string
	for _, class := range want {
		lines = append(lines, strings.TrimPrefix(strings.TrimPrefix(class, pp), tp)+": "+strconv.Itoa(classes[class]))
	}
	t.Logf("cases per class: %s; outcomes: %v", strings.Join(lines, ", "), outcomes)
}
