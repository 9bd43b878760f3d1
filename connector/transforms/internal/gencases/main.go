// Command gencases writes the inputs of the transformations' golden tests, connector/transforms/testdata/cases/
// <Base>.jsonl: for every transformation and predicate of Kafka 3.9, both variants where there are two, records
// with and without schemas (nested structs, arrays, maps, nulls, tombstones, optional fields with defaults,
// Date, Time, Timestamp and Decimal), several configurations, the error cases and invalid configurations.
//
// Only inputs are written here. The expected outcomes come from Kafka's own jar: `make smt-golden` runs
// test/integration/smtoracle over these files into testdata/golden. Run from the repository root:
//
//	go run ./connector/transforms/internal/gencases [-out connector/transforms/testdata/cases]
//
// # What the corpus leaves out
//
// A case is stated only when Kafka's result can be written by JsonConverter and its outcome is deterministic
// Java behaviour. Left out, each with a comment where it would be:
//   - whole-value Cast of Decimal, Date, Time or Timestamp: the result keeps the logical schema's name on the
//     new type, which no converter can write;
//   - struct schemas with a default (Flatten's nested defaults, TimestampConverter's struct default):
//     JsonConverter cannot read them ("Invalid default value");
//   - schemaless TimestampConverter to Date, Time or Timestamp: a java.util.Date without a schema;
//   - ExtractField results that are null under a required field schema, MaskField of a Decimal of a scale
//     other than 0 (BigDecimal.ZERO has scale 0), InsertHeader of "{}" (a map schema without a key schema);
//   - Java failures that are not behaviour: NullPointerExceptions (HeaderFrom of a missing struct field,
//     TimestampConverter of a string without a format), and InsertField's "No value specified for static
//     field" whose message holds an object's identity hash;
//   - what JSON cannot carry: null topics, sink records without a partition, schemaless int8/int16/int32/
//     float32 values, bytes, decimals and dates (JsonConverter reads schemaless numbers as Long or Double),
//     configuration values that are not strings;
//   - results that depend on Java's HashMap order (schemaless Flatten or ReplaceField producing one key twice).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/connectd/connectd/connector/transforms/transformtest"
)

func main() {
	out := flag.String("out", filepath.Join("connector", "transforms", "testdata", "cases"), "directory to write <Base>.jsonl into")
	flag.Parse()
	files, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencases:", err)
		os.Exit(1)
	}
	if err := write(*out, files); err != nil {
		fmt.Fprintln(os.Stderr, "gencases:", err)
		os.Exit(1)
	}
	total := 0
	for _, base := range sortedBases(files) {
		total += bytes.Count(files[base], []byte("\n"))
	}
	fmt.Fprintf(os.Stderr, "gencases: %d cases in %d files under %s\n", total, len(files), *out)
}

// write replaces the *.jsonl files of dir with files.
func write(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	for base, data := range files {
		if err := os.WriteFile(filepath.Join(dir, base+".jsonl"), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func sortedBases(files map[string][]byte) []string {
	bases := make([]string, 0, len(files))
	for b := range files {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	return bases
}

// corpus collects the cases, per file in the order they are added.
type corpus struct {
	files map[string][]transformtest.Case
	err   error
}

// Class name prefixes.
const (
	tp = "org.apache.kafka.connect.transforms."
	pp = "org.apache.kafka.connect.transforms.predicates."
)

// add adds one case to file.
func (c *corpus) add(file, name, class string, config map[string]string, r rec) {
	if c.err != nil {
		return
	}
	raw, err := json.Marshal(r)
	if err != nil {
		c.err = fmt.Errorf("%s %q: %w", file, name, err)
		return
	}
	if config == nil {
		config = map[string]string{}
	}
	c.files[file] = append(c.files[file], transformtest.Case{Name: name, Class: class, Config: config, Record: raw})
}

// both adds the case to the $Key and the $Value variant of base (e.g. "Cast"): operand is the key of the
// first (with otherValue as the value) and the value of the second (with strKey as the key), in records made
// by mk (sink or source).
func (c *corpus) both(base, name string, config map[string]string, operand env, mk func(key, val env) rec) {
	c.add(base, "key: "+name, tp+base+"$Key", config, mk(operand, otherValue))
	c.add(base, "value: "+name, tp+base+"$Value", config, mk(strKey, operand))
}

// cfg builds a config from alternating keys and values.
func cfg(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// generate returns the case files, <Base> → content, each line a case.
func generate() (map[string][]byte, error) {
	c := &corpus{files: map[string][]transformtest.Case{}}
	for _, gen := range []func(*corpus){
		genCast, genDropHeaders, genExtractField, genFilter, genFlatten, genHeaderFrom, genHoistField,
		genInsertField, genInsertHeader, genMaskField, genRegexRouter, genReplaceField, genSetSchemaMetadata,
		genTimestampConverter, genTimestampRouter, genValueToKey, genPredicates,
	} {
		gen(c)
	}
	if c.err != nil {
		return nil, c.err
	}
	out := map[string][]byte{}
	for base, cases := range c.files {
		seen := map[string]bool{}
		var buf bytes.Buffer
		for _, cs := range cases {
			if seen[cs.Name] {
				return nil, fmt.Errorf("%s: duplicate case name %q", base, cs.Name)
			}
			seen[cs.Name] = true
			line, err := transformtest.Marshal(cs)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", base, cs.Name, err)
			}
			buf.Write(line)
			buf.WriteByte('\n')
		}
		out[base] = buf.Bytes()
	}
	return out, nil
}
