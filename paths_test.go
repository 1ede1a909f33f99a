package dropout

import "testing"

// forEachPath runs f once per path this CPU and build can run (every entry
// of available, the generic path last), with that path active, and restores
// the active path afterwards.
func forEachPath(t testing.TB, f func(t testing.TB, k *kernels)) {
	saved := active.Load()
	defer active.Store(saved)
	for _, k := range available {
		active.Store(k)
		f(t, k)
	}
}

// withPath runs f with k active and restores the active path.
func withPath(k *kernels, f func()) {
	saved := active.Load()
	defer active.Store(saved)
	active.Store(k)
	f()
}
