package gcenv

import (
	"os"
	"testing"
)

func TestSet(t *testing.T) {
	if got := os.Getenv(Var); got != Want {
		t.Fatalf("%s = %q after init, want %q", Var, got, Want)
	}
}
