package chaos

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ddokso/ddokso/internal/process"
)

// proc is one supervised child process that can be killed and restarted.
type proc struct {
	name  string
	bin   string
	args  []string
	env   []string
	admin string // host:port of /healthz, /readyz, /metrics
	logw  io.Writer
	// logPath is the file logw writes, read back when the process dies
	// before it is ready.
	logPath string

	// restartMu serialises restarts (the kill loop and the SES-call fault
	// may pick the same process at once).
	restartMu sync.Mutex
	mu        sync.Mutex
	child     *process.Child
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
	child, err := process.Start(process.Spec{Name: p.name, Bin: p.bin, Args: p.args, Env: p.env, Output: p.logw})
	if err != nil {
		return err
	}
	p.child, p.started = child, time.Now()
	return nil
}

// current is the running (or last) instance, nil before the first start.
func (p *proc) current() *process.Child {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.child
}

// kill9 sends SIGKILL and waits for the process to be gone.
func (p *proc) kill9() {
	if c := p.current(); c != nil {
		c.Kill()
	}
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
	if c := p.current(); c != nil {
		c.Stop(grace)
	}
}

func (p *proc) alive() bool {
	c := p.current()
	return c != nil && !c.Exited()
}

func (p *proc) pid() int {
	if c := p.current(); c != nil {
		return c.PID()
	}
	return 0
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
			return fmt.Errorf("%s exited before it was ready; the end of its log:\n%s", p.name, logTail(p.logPath, 30))
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
	rss, _, err := process.Memory(pid)
	if err != nil {
		return 0
	}
	return rss / 1024
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

// logTail is the last n lines of the file at path, or why it cannot be read.
func logTail(path string, n int) string {
	if path == "" {
		return "(no log file)"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
