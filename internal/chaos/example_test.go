package chaos_test

import (
	"fmt"

	"github.com/ddokso/ddokso/internal/chaos"
)

// A profile is a Config; Run executes it and Report.Passed says whether every
// invariant held.
func ExampleConfig() {
	cfg := chaos.Short()
	cfg.Submissions = 500
	fmt.Println(cfg.Validate() == nil, cfg.RestartDB, cfg.RestartEmulator)
	// Output: true true true
}
