package chaos

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one supervised child process that can be killed and restarted.
type proc struct {
	name  string
	bin   string
	args  []string
	env   []string
	admin string // host:port of /healthz, /readyz, /metrics
	logw  io.Writer

	// restartMu serialises restarts (the kill loop and the SES-call fault
	// may pick the same process at once).
	restartMu sync.Mutex
	mu        sync.Mutex
	cmd       *exec.Cmd
	done      chan struct{}
	started   time.Time
	restarts  int
	// restarting is set while restart runs, so the watchdog does not count the kill.
	restarting bool
	samples    []sample
}

// sample is one resource reading of a process instance.
type sample struct {
	At         time.Time `json:"at"`
	PID        int       `json:"pid"`
	RSSKB      int64     `json:"rss_kb"`
	Goroutines int       `json:"goroutines"`
}

func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout = p.logw
	cmd.Stderr = p.logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.cmd, p.done, p.started = cmd, done, time.Now()
	return nil
}

// kill9 sends SIGKILL and waits for the process to be gone.
func (p *proc) kill9() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// restart kills the process with SIGKILL and starts it again at once.
func (p *proc) restart() error {
	p.restartMu.Lock()
	defer p.restartMu.Unlock()
	p.mu.Lock()
	p.restarting = true
	p.restarts++
	p.mu.Unlock()
	p.kill9()
	err := p.start()
	p.mu.Lock()
	p.restarting = false
	p.mu.Unlock()
	return err
}

// stop sends SIGTERM and waits up to grace before SIGKILL.
func (p *proc) stop(grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

func (p *proc) alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *proc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// sampleNow records RSS (from /proc) and go_goroutines (from /metrics).
func (p *proc) sampleNow(ctx context.Context) {
	pid := p.pid()
	if pid == 0 || !p.alive() {
		return
	}
	s := sample{At: time.Now(), PID: pid, RSSKB: rssKB(pid), Goroutines: goroutines(ctx, p.admin)}
	p.mu.Lock()
	p.samples = append(p.samples, s)
	p.mu.Unlock()
}

// ready waits for /readyz on the admin address.
func (p *proc) ready(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !p.alive() {
			return fmt.Errorf("%s exited before it was ready", p.name)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.admin+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready within %s", p.name, timeout)
}

func rssKB(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func goroutines(ctx context.Context, admin string) int {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+admin+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(n)
		}
	}
	return -1
}

// freePort returns a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
