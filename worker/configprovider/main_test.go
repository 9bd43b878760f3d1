package configprovider

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them (STYLE rule 2).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
