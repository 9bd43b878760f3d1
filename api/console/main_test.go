package console

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: no goroutine outlives its owner (STYLE rule 2).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
