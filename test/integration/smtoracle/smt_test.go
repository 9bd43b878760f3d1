//go:build integration

package smtoracle

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/transforms"
	"github.com/connectd/connectd/connector/transforms/transformtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// maxReported bounds the differences printed per golden file; the count of the rest is still reported.
const maxReported = 15

// TestSMTDifferential runs Kafka 3.9's own connect-transforms jar over the case corpus (golden.sh into a
// temporary directory) and fails on any difference between its outcome and (1) the committed goldens, so a
// golden that was edited, or not regenerated after a change to the cases, is caught; (2) connectd's
// transformations and predicates on the same cases. It needs javac and the Kafka Connect jars that
// `kafka.sh fetch` downloads (or CONNECT_LIBS), but no Kafka: run it alone with
//
//	go test -tags integration -count=1 -run TestSMTDifferential ./test/integration/smtoracle/
func TestSMTDifferential(t *testing.T) {
	if _, err := exec.LookPath("javac"); err != nil {
		t.Fatal("javac not found: install a JDK 17 (apt-get install -y openjdk-17-jdk-headless)")
	}
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	cmd := exec.Command("bash", "golden.sh", fresh)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("golden.sh: %v", err)
	}
	oracle, err := transformtest.ReadDir(fresh)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := transformtest.ReadDir(filepath.Join(root, "connector", "transforms", "testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	if len(oracle) == 0 {
		t.Fatal("the oracle wrote no goldens")
	}
	byBase := map[string][]transformtest.Case{}
	for _, f := range committed {
		byBase[f.Base] = f.Cases
	}
	if len(committed) != len(oracle) {
		t.Errorf("%d committed golden files, the oracle wrote %d", len(committed), len(oracle))
	}

	reg := connector.NewRegistry()
	if err := transforms.Register(reg); err != nil {
		t.Fatal(err)
	}
	conv, err := transformtest.Converter()
	if err != nil {
		t.Fatal(err)
	}
	total, stale, diverged := 0, 0, 0
	for _, f := range oracle {
		t.Run(f.Base, func(t *testing.T) {
			old := byBase[f.Base]
			if len(old) != len(f.Cases) {
				t.Errorf("stale goldens: %d committed cases, the oracle ran %d: run make smt-golden", len(old), len(f.Cases))
				old = nil
			}
			reported, fileStale, fileDiverged := 0, 0, 0
			report := func(format string, args ...any) {
				if reported < maxReported {
					t.Errorf(format, args...)
				}
				reported++
			}
			for i, c := range f.Cases {
				total++
				if old != nil {
					d := transformtest.DiffInput(c, old[i])
					if d == "" {
						d = transformtest.Diff(c, old[i])
					}
					if d != "" {
						fileStale++
						report("%s: the committed golden differs from Kafka's jar (run make smt-golden): %s", c.Name, d)
					}
				}
				got, err := transformtest.Run(reg, conv, c)
				if err == nil {
					if d := transformtest.Diff(c, got); d != "" {
						err = errorString(d)
					}
				}
				if err != nil {
					fileDiverged++
					report("%s: connectd differs from Kafka: %s %v on %s:\n%v", c.Name, c.Class, c.Config, c.Record, err)
				}
			}
			if reported > maxReported {
				t.Errorf("... and %d more differences", reported-maxReported)
			}
			if fileStale+fileDiverged > 0 {
				t.Logf("%s: %d cases, %d stale goldens, %d where connectd differs", f.Base, len(f.Cases), fileStale, fileDiverged)
			}
			stale += fileStale
			diverged += fileDiverged
		})
	}
	t.Logf("%d cases through Kafka's jar: %d stale goldens, %d where connectd differs", total, stale, diverged)
}

type errorString string

func (e errorString) Error() string { return string(e) }
