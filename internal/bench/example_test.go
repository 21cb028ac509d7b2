package bench_test

import (
	"fmt"
	"time"

	"github.com/ddokso/ddokso/internal/bench"
)

func ExampleDurations_Quantile() {
	lat := bench.Durations{4 * time.Millisecond, 1 * time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond, 50 * time.Millisecond}
	fmt.Println(lat.Quantile(0.5), lat.Quantile(0.99))
	// Output: 3ms 50ms
}
