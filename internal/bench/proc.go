package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is a child process the bench started.
type Proc struct {
	// Name labels the process in reports.
	Name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 { // keep the last MiB or so
		rest := l.b.Bytes()[l.b.Len()-(1<<19):]
		l.b = *bytes.NewBuffer(append([]byte(nil), rest...))
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

// Start runs bin with args and env (added to the bench's environment).
func Start(name, bin string, env []string, args ...string) (*Proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Name: name, cmd: cmd, out: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	return p, nil
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
func (p *Proc) Output() string { return p.out.tail(3000) }

// Stop sends SIGTERM, waits up to 20 s, then kills.
func (p *Proc) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool { return p.cmd.ProcessState != nil }

// RSS returns the resident set size and its high-water mark in bytes
// (VmRSS, VmHWM of /proc/PID/status).
func (p *Proc) RSS() (rss, hwm int64, err error) {
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid)); err != nil {
		return 0, 0, err
	}
	rss, hwm = statusRSS(p.cmd.Process.Pid)
	return rss, hwm, nil
}

// WaitHTTP waits until url answers 200 or the process exits.
func (p *Proc) WaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("%s exited (%v) before %s answered:\n%s", p.Name, err, url, p.Output())
		default:
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

// FreeAddr returns a free 127.0.0.1 port address.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// mib formats bytes as MiB.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
