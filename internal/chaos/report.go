package chaos

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Invariant is one checked property with its counts.
type Invariant struct {
	Name       string   `json:"name"`
	Checked    int      `json:"checked"`
	Violations int      `json:"violations"`
	Detail     string   `json:"detail,omitempty"`
	Examples   []string `json:"examples,omitempty"`
}

// Report is the outcome of one chaos run.
type Report struct {
	Profile    Config            `json:"profile"`
	Duration   string            `json:"duration"`
	Load       map[string]any    `json:"load"`
	Faults     map[string]int    `json:"faults"`
	FaultLog   []Fault           `json:"fault_log"`
	Invariants []Invariant       `json:"invariants"`
	Latency    map[string]string `json:"submit_to_outcome_latency"`
	Resources  map[string]any    `json:"resources"`
	Security   *Security         `json:"security"`
	Passed     bool              `json:"passed"`
}

// Write stores report.json and report.md in dir.
func (r *Report) Write(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), b, 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.Markdown()), 0o644)
}

// Markdown renders the report as tables.
func (r *Report) Markdown() string {
	var b strings.Builder
	verdict := "PASSED"
	if !r.Passed {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "# ddokso chaos run — %s\n\nDuration %s, %d submissions, seed %d.\n\n", verdict, r.Duration, r.Profile.Submissions, r.Profile.Seed)
	b.WriteString("## Load\n\n| what | value |\n|---|---|\n")
	for _, k := range slices.Sorted(maps.Keys(r.Load)) {
		fmt.Fprintf(&b, "| %s | %v |\n", k, r.Load[k])
	}
	b.WriteString("\n## Faults injected\n\n| fault | count |\n|---|---|\n")
	for _, k := range slices.Sorted(maps.Keys(r.Faults)) {
		fmt.Fprintf(&b, "| %s | %d |\n", k, r.Faults[k])
	}
	b.WriteString("\n## Invariants\n\n| invariant | checked | violations | detail |\n|---|---|---|---|\n")
	for _, in := range r.Invariants {
		mark := "✅"
		if in.Violations > 0 {
			mark = "❌"
		}
		fmt.Fprintf(&b, "| %s %s | %d | %d | %s |\n", mark, in.Name, in.Checked, in.Violations, strings.ReplaceAll(in.Detail, "|", "/"))
	}
	b.WriteString("\n## Submit-to-outcome latency\n\n| percentile | latency |\n|---|---|\n")
	for _, k := range slices.Sorted(maps.Keys(r.Latency)) {
		fmt.Fprintf(&b, "| %s | %s |\n", k, r.Latency[k])
	}
	b.WriteString("\n## Processes\n\n| process | detail |\n|---|---|\n")
	for _, k := range slices.Sorted(maps.Keys(r.Resources)) {
		fmt.Fprintf(&b, "| %s | %v |\n", k, r.Resources[k])
	}
	return b.String()
}
