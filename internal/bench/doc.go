// Package bench measures every stage of ddokso beside a baseline run in the
// same invocation and renders the results as BENCHMARKS.md.
//
// Each stage (extraction, price parsing, consumer overhead, API, end to end,
// batch fan-out, memory) is a function returning a Row: ddokso's figure, the
// baseline's figure, their ratio, the goal and whether it holds, plus detail
// lines. cmd/ddokso-bench runs them (`make bench`); nothing here is a timing
// assertion in a test.
package bench
