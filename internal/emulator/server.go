package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/ddokso/ddokso/internal/process"
)

// Kind names an emulator.
type Kind string

// The emulators this package starts.
const (
	Moto   Kind = "moto"
	Fauxqs Kind = "fauxqs"
)

// Config configures a Server. The zero value of every field but Kind has a
// default.
type Config struct {
	// Kind is the emulator to run.
	Kind Kind
	// Port is the loopback port; 0 picks a free one once, kept across
	// restarts.
	Port int
	// Log receives the emulator's output; nil discards it.
	Log io.Writer
	// Command overrides the program (default: moto_server on PATH, or the
	// fauxqs launcher from scripts/dev/ensure-fauxqs.sh).
	Command string
	// StartTimeout bounds the wait for the emulator to answer (default 60s).
	StartTimeout time.Duration
	// Env is added to the emulator's environment (KEY=value), at every
	// restart too, e.g. NODE_OPTIONS for fauxqs.
	Env []string
}

// Validate reports a configuration that cannot start.
func (c Config) Validate() error {
	switch c.Kind {
	case Moto, Fauxqs:
	default:
		return fmt.Errorf("emulator: unknown kind %q (want %q or %q)", c.Kind, Moto, Fauxqs)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("emulator: port %d out of range", c.Port)
	}
	return nil
}

// Server is a running emulator process (and its process group).
type Server struct {
	cfg   Config
	mu    sync.Mutex
	child *process.Child
}

// Start starts an emulator and waits until it answers.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Port == 0 {
		p, err := process.FreePort()
		if err != nil {
			return nil, err
		}
		cfg.Port = p
	}
	if cfg.Command == "" {
		c, err := defaultCommand(ctx, cfg.Kind)
		if err != nil {
			return nil, err
		}
		cfg.Command = c
	}
	s := &Server{cfg: cfg}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func defaultCommand(ctx context.Context, k Kind) (string, error) {
	if k == Moto {
		p, err := exec.LookPath("moto_server")
		if err != nil {
			return "", fmt.Errorf("emulator: moto_server: %w (pip install 'moto[server]')", err)
		}
		return p, nil
	}
	return FauxqsLauncher(ctx)
}

// Kind returns the emulator's kind.
func (s *Server) Kind() Kind { return s.cfg.Kind }

// Endpoint is the emulator's URL, the same across restarts.
func (s *Server) Endpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", s.cfg.Port) }

func (s *Server) start(ctx context.Context) error {
	port := strconv.Itoa(s.cfg.Port)
	spec := process.Spec{Name: string(s.cfg.Kind), Bin: s.cfg.Command, Env: append(os.Environ(), s.cfg.Env...), Output: s.cfg.Log, Group: true}
	switch s.cfg.Kind {
	case Moto:
		spec.Args = []string{"-H", "127.0.0.1", "-p", port}
	case Fauxqs:
		spec.Env = append(spec.Env, "FAUXQS_PORT="+port, "FAUXQS_HOST=127.0.0.1", "FAUXQS_LOGGER=false")
	}
	child, err := process.Start(spec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.child = child
	s.mu.Unlock()

	probe := s.Endpoint() + "/moto-api/"
	if s.cfg.Kind == Fauxqs {
		probe = s.Endpoint() + "/health"
	}
	deadline := time.Now().Add(s.cfg.StartTimeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, probe, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-child.Done():
			return fmt.Errorf("%s exited before answering on %s", s.cfg.Kind, s.Endpoint())
		case <-ctx.Done():
			s.Kill()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("%s did not answer on %s within %s", s.cfg.Kind, s.Endpoint(), s.cfg.StartTimeout)
		}
	}
}

// Kill stops the emulator and its process group with SIGKILL and waits
// for it; all its state is gone.
func (s *Server) Kill() {
	s.mu.Lock()
	child := s.child
	s.child = nil
	s.mu.Unlock()
	if child != nil {
		child.Kill()
	}
}

// Restart kills the emulator and starts it again on the same port, and
// returns how long it was away.
func (s *Server) Restart(ctx context.Context) (time.Duration, error) {
	t0 := time.Now()
	s.Kill()
	err := s.start(ctx)
	return time.Since(t0), err
}

// errNoModuleRoot is returned when no go.mod is found above the working
// directory.
var errNoModuleRoot = errors.New("emulator: no go.mod above the working directory")
