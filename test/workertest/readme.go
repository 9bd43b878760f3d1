package workertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadmeExample returns the first fenced code block that follows the line `<!-- readme-example: NAME -->` in
// the repository's README.md, so that a test runs the very example the README shows.
func ReadmeExample(t testing.TB, name string) []byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("README example: no go.mod above the test's directory")
		}
		dir = parent
	}
	data, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "<!-- readme-example: "+name+" -->")
	if !ok {
		t.Fatalf("README.md has no example %q", name)
	}
	_, rest, ok = strings.Cut(rest, "```")
	if ok {
		_, rest, ok = strings.Cut(rest, "\n") // the fence's info string
	}
	block, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatalf("README.md example %q has no fenced block after its marker", name)
	}
	return []byte(block)
}
