package bench

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// CPUSplit pins row 4r's processes to model the API on its own instance:
// the `ddokso api` process and the bench process (the load generator) on
// API, the relay, the scrap worker and the SQS/SNS emulator on Rest
// (taskset CPU lists, e.g. "0" and "1"). The MariaDB threads serving each
// process's connections follow it (dbPinner); MariaDB's background
// threads and moto stay unpinned.
type CPUSplit struct {
	API, Rest string
	// RelayWithAPI puts the relay on the API's CPUs instead: the layout of
	// infra/cloudformation, whose API hosts run the outbox relay.
	RelayWithAPI bool
}

// ParseCPUSplit reads "API:REST" ("0:1"); "" is no pinning (zero split).
func ParseCPUSplit(s string) (CPUSplit, error) {
	if s == "" {
		return CPUSplit{}, nil
	}
	api, rest, ok := strings.Cut(s, ":")
	if !ok || api == "" || rest == "" {
		return CPUSplit{}, fmt.Errorf("cpu split %q: want API_CPUS:REST_CPUS, e.g. 0:1", s)
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return CPUSplit{}, fmt.Errorf("cpu split needs taskset: %w", err)
	}
	return CPUSplit{API: api, Rest: rest}, nil
}

// On reports whether the split pins anything.
func (c CPUSplit) On() bool { return c.API != "" }

// String describes the split for the report.
func (c CPUSplit) String() string {
	if !c.On() {
		return "no CPU pinning"
	}
	api, rest := "`ddokso api` and the bench's load generator", "relay, scrap worker and fauxqs"
	if c.RelayWithAPI {
		api, rest = "`ddokso api`, the relay and the bench's load generator", "scrap worker and fauxqs"
	}
	return fmt.Sprintf("%s pinned to CPU %s, %s to CPU %s (taskset -a); the MariaDB thread of each connection pinned beside its client (information_schema.PROCESSLIST.TID matched to the client's socket port, after each start and every second); Go processes at GOMAXPROCS of their CPUs; MariaDB's background threads and moto unpinned", api, c.API, rest, c.Rest)
}

// env is what a Go process started on the API's (background false) or
// the rest's CPUs needs: GOMAXPROCS of their count, as on an instance of
// that size (the runtime reads the affinity only at its start, before
// taskset moves it). Nothing without a split.
func (c CPUSplit) env(background bool) []string {
	if !c.On() {
		return nil
	}
	return []string{fmt.Sprintf("GOMAXPROCS=%d", cpuCount(c.cpus(background)))}
}

// cpus is the API's CPU list, or with background the rest's.
func (c CPUSplit) cpus(background bool) string {
	if background {
		return c.Rest
	}
	return c.API
}

// pin sets the CPU affinity of every thread of pid (threads it starts
// later inherit it).
func pin(pid int, cpus string) error {
	out, err := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(pid)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset -a -p -c %s %d: %w: %s", cpus, pid, err, bytes.TrimSpace(out))
	}
	return nil
}

// cpuCount is how many CPUs a list names: the GOMAXPROCS a Go process
// pinned to it is given, as on an instance of that size.
func cpuCount(cpus string) int {
	set, err := cpuSet(cpus)
	if err != nil || set.Count() == 0 {
		return 1
	}
	return set.Count()
}

// pinSelf pins every thread of the bench process to cpus, with GOMAXPROCS
// to match, and returns a function that gives back what it had.
func pinSelf(cpus string) (restore func(), err error) {
	var was unix.CPUSet
	if err := unix.SchedGetaffinity(0, &was); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	var list []string
	for c := 0; c < 1024; c++ {
		if was.IsSet(c) {
			list = append(list, strconv.Itoa(c))
		}
	}
	if err := pin(os.Getpid(), cpus); err != nil {
		return nil, err
	}
	prev := runtime.GOMAXPROCS(cpuCount(cpus))
	return func() {
		runtime.GOMAXPROCS(prev)
		if err := pin(os.Getpid(), strings.Join(list, ",")); err != nil {
			fmt.Fprintf(os.Stderr, "bench: unpin: %v\n", err)
		}
	}, nil
}

// pinEmulator pins every process of the fauxqs serving endpoint (the
// launcher and its node child) to cpus, and returns how many it pinned.
func pinEmulator(endpoint, cpus string) (int, error) {
	pids, err := emulatorPIDs(endpoint)
	for i, pid := range pids {
		if err := pin(pid, cpus); err != nil {
			return i, err
		}
	}
	return len(pids), err
}

// emulatorPIDs finds the processes of the fauxqs serving endpoint (the
// launcher and its node child) by the FAUXQS_PORT in their environment.
func emulatorPIDs(endpoint string) ([]int, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Port() == "" {
		return nil, fmt.Errorf("emulator processes: no port in %q", endpoint)
	}
	want := []byte("\x00FAUXQS_PORT=" + u.Port() + "\x00")
	envs, _ := filepath.Glob("/proc/[0-9]*/environ")
	var pids []int
	for _, f := range envs {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(append(append([]byte{0}, b...), 0), want) {
			continue // another user's process, or gone
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		if err != nil {
			continue
		}
		pids = append(pids, pid)
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("emulator processes: no process with FAUXQS_PORT=%s", u.Port())
	}
	return pids, nil
}

// PID is the process id.
func (p *Proc) PID() int { return p.child.PID() }
