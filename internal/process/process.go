// Package process is what ddokso's harnesses (internal/bench, internal/chaos,
// internal/emulator, internal/awstest) need to run other programs: a free
// loopback port, a child process that can be stopped or killed and waited
// for, and a process's memory from /proc.
package process

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// FreePort returns a loopback TCP port that was free a moment ago. It is
// drawn below the kernel's ephemeral range (ip_local_port_range), so an
// outgoing connection of any process cannot take it as its local port
// between FreePort and the child's listen; and it is never handed out twice
// by this process.
func FreePort() (int, error) {
	lo := ephemeralLow()
	handedMu.Lock()
	defer handedMu.Unlock()
	if lo > minFreePort+100 {
		for try := 0; try < 200; try++ {
			p := minFreePort + rand.IntN(lo-minFreePort)
			if handed[p] {
				continue
			}
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				continue
			}
			l.Close()
			handed[p] = true
			return p, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	p := l.Addr().(*net.TCPAddr).Port
	handed[p] = true
	return p, nil
}

// minFreePort is the lowest port FreePort draws from: above the well-known
// and most registered services' ports.
const minFreePort = 10000

var (
	handedMu sync.Mutex
	handed   = map[int]bool{}
)

// ephemeralLow is the first port of the kernel's ephemeral range, 32768 when
// it cannot be read; read once.
var ephemeralLow = sync.OnceValue(func() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return n
})

// FreeAddr returns "127.0.0.1:PORT" for a port that was free a moment ago.
func FreeAddr() (string, error) {
	p, err := FreePort()
	if err != nil {
		return "", err
	}
	return "127.0.0.1:" + strconv.Itoa(p), nil
}

// Memory returns a process's resident set size and its high-water mark in
// bytes (VmRSS and VmHWM of /proc/PID/status).
func Memory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("memory of %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb * 1024
		case "VmHWM:":
			hwm = kb * 1024
		}
	}
	return rss, hwm, sc.Err()
}

// Spec describes a child process.
type Spec struct {
	// Name labels the process in errors.
	Name string
	// Bin and Args are the program and its arguments.
	Bin  string
	Args []string
	// Env is the whole environment (KEY=value); nil inherits this process's.
	Env []string
	// Output receives stdout and stderr; nil discards them.
	Output io.Writer
	// Group starts the child in its own process group and signals the
	// whole group, for programs that start their own children (a launcher
	// script, an emulator).
	Group bool
}

// Child is a started child process. It dies with this process (SIGKILL on the
// parent's death), so a crashed harness leaves nothing running.
type Child struct {
	spec Spec
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	err  error
}

// Start starts a child and reaps it in the background.
func Start(spec Spec) (*Child, error) {
	cmd := exec.Command(spec.Bin, spec.Args...)
	cmd.Env = spec.Env
	if spec.Output != nil {
		cmd.Stdout, cmd.Stderr = spec.Output, spec.Output
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: spec.Group}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	p := &Child{spec: spec, cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// PID is the child's process id.
func (p *Child) PID() int { return p.cmd.Process.Pid }

// Done is closed when the child has exited.
func (p *Child) Done() <-chan struct{} { return p.done }

// Exited reports whether the child has exited.
func (p *Child) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is the child's exit error once it has exited (nil for status 0).
func (p *Child) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *Child) signal(sig syscall.Signal) {
	if p.spec.Group {
		_ = syscall.Kill(-p.cmd.Process.Pid, sig)
		return
	}
	_ = p.cmd.Process.Signal(sig)
}

// Kill sends SIGKILL (to the group, with Spec.Group) and waits for the
// child to be gone.
func (p *Child) Kill() {
	p.signal(syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM and waits up to grace for the child to exit, then
// kills it.
func (p *Child) Stop(grace time.Duration) {
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}
