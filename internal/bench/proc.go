package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ddokso/ddokso/internal/process"
)

// Proc is a child process the bench started.
type Proc struct {
	// Name labels the process in reports.
	Name string
	// PprofAddr is where the process serves net/http/pprof ("" when it
	// does not: DDOKSO_PPROF_ADDR unset).
	PprofAddr string
	// AdminAddr is the process's /metrics address ("" when not known).
	AdminAddr string
	child     *process.Child
	out       *process.Buffer
}

// Start runs bin with args and env (added to the bench's environment).
func Start(name, bin string, env []string, args ...string) (*Proc, error) {
	out := &process.Buffer{Max: 1 << 20} // keep the last MiB or so
	child, err := process.Start(process.Spec{Name: name, Bin: bin, Args: args, Env: append(os.Environ(), env...), Output: out})
	if err != nil {
		return nil, err
	}
	return &Proc{Name: name, child: child, out: out}, nil
}

// Run runs bin to completion and returns an error with its output if it failed.
func Run(bin string, env []string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, out)
	}
	return nil
}

// Output returns the tail of the process's combined output.
func (p *Proc) Output() string { return p.out.Tail(3000) }

// Stop sends SIGTERM, waits up to 20 s, then kills.
func (p *Proc) Stop() { p.child.Stop(20 * time.Second) }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool { return p.child.Exited() }

// RSS returns the resident set size and its high-water mark in bytes
// (VmRSS, VmHWM of /proc/PID/status).
func (p *Proc) RSS() (rss, hwm int64, err error) { return process.Memory(p.child.PID()) }

// WaitHTTP waits until url answers 200 or the process exits.
func (p *Proc) WaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if p.child.Exited() {
			return fmt.Errorf("%s exited (%v) before %s answered:\n%s", p.Name, p.child.Err(), url, p.Output())
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: %s did not answer 200 within %s:\n%s", p.Name, url, timeout, p.Output())
}

// mib formats bytes as MiB.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
