package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// dbPinner pins the MariaDB threads that serve a client process's
// connections to that process's CPUs. MariaDB runs one thread per
// connection (information_schema.PROCESSLIST.TID), so the share of the
// server's work each client causes runs where the client does: the
// closest this machine comes to a database with capacity of its own for
// each side. The server's background threads (purge, page cleaner, the
// buffer pool's) stay unpinned.
type dbPinner struct {
	db *sql.DB
	// cpus maps a client process id to the CPU list its connections'
	// threads are pinned to.
	cpus map[int]string

	serverPort int

	mu     sync.Mutex
	pinned map[int]string // server thread id → CPU list it was given
	ports  map[uint64]int // client socket inode → local port of a connection to the server, or 0
	passes int
	spent  time.Duration // wall time of all passes
}

func newDBPinner(db *sql.DB) *dbPinner {
	return &dbPinner{db: db, cpus: map[int]string{}, pinned: map[int]string{}, ports: map[uint64]int{}}
}

// owner makes pid's connections' server threads run on cpus.
func (p *dbPinner) owner(pid int, cpus string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cpus[pid] = cpus
}

// run repeats pass every interval until ctx ends. A connection opened
// between passes runs unpinned for at most an interval; the bench's
// clients keep their pools open, so that happens at their start.
func (p *dbPinner) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := p.pass(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "bench: pin MariaDB threads: %v\n", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// release gives every thread the pinner pinned all of the machine's CPUs
// back: MariaDB keeps finished connections' threads in its cache and
// hands them to later clients.
func (p *dbPinner) release() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	all := fmt.Sprintf("0-%d", runtime.NumCPU()-1)
	var first error
	for tid := range p.pinned {
		// A thread that has exited is not an error.
		if err := setAffinity(tid, all); err != nil && !errors.Is(err, unix.ESRCH) && first == nil {
			first = err
		}
		delete(p.pinned, tid)
	}
	return first
}

// pass pins every connection thread whose client is an owner and whose
// pinning changed (a new connection, or a cached thread serving another
// client now). It returns how many threads it pinned.
func (p *dbPinner) pass(ctx context.Context) (int, error) {
	start := time.Now()
	defer func() {
		p.mu.Lock()
		p.passes++
		p.spent += time.Since(start)
		p.mu.Unlock()
	}()
	if p.serverPort == 0 {
		if err := p.db.QueryRowContext(ctx, `SELECT @@port`).Scan(&p.serverPort); err != nil {
			return 0, fmt.Errorf("server port: %w", err)
		}
	}
	rows, err := p.db.QueryContext(ctx, `SELECT TID, HOST FROM information_schema.PROCESSLIST WHERE HOST LIKE '%:%'`)
	if err != nil {
		return 0, fmt.Errorf("processlist: %w", err)
	}
	threads := map[int]int{} // client port → server thread id
	for rows.Next() {
		var tid int
		var host string
		if err := rows.Scan(&tid, &host); err != nil {
			rows.Close()
			return 0, err
		}
		i := strings.LastIndexByte(host, ':')
		if port, err := strconv.Atoi(host[i+1:]); err == nil && tid > 0 {
			threads[port] = tid
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for pid, cpus := range p.cpus {
		for _, port := range p.clientPorts(pid) {
			tid, ok := threads[port]
			if !ok || p.pinned[tid] == cpus {
				continue
			}
			if err := setAffinity(tid, cpus); err != nil {
				return n, fmt.Errorf("MariaDB thread %d (client pid %d): %w", tid, pid, err)
			}
			p.pinned[tid] = cpus
			n++
		}
	}
	return n, nil
}

// clientPorts lists the local ports of pid's TCP connections to the
// server (none when pid has gone). Each socket is looked at once, through
// a duplicate of its descriptor (pidfd_getfd): a connection's ports never
// change, so they are kept by socket inode.
func (p *dbPinner) clientPorts(pid int) []int {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	pidfd := -1
	defer func() {
		if pidfd >= 0 {
			unix.Close(pidfd)
		}
	}()
	var ports []int
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil || !strings.HasPrefix(link, "socket:[") {
			continue
		}
		inode, err := strconv.ParseUint(strings.TrimSuffix(link[len("socket:["):], "]"), 10, 64)
		if err != nil {
			continue
		}
		port, seen := p.ports[inode]
		if !seen {
			fd, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if pidfd < 0 {
				if pidfd, err = unix.PidfdOpen(pid, 0); err != nil {
					return ports
				}
			}
			port = p.serverConnPort(pidfd, fd)
			p.ports[inode] = port
		}
		if port > 0 {
			ports = append(ports, port)
		}
	}
	return ports
}

// serverConnPort is the local port of the target's descriptor fd when it
// is a TCP connection to the server's port, else 0.
func (p *dbPinner) serverConnPort(pidfd, fd int) int {
	dup, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(dup)
	peer, err := unix.Getpeername(dup)
	if err != nil || portOf(peer) != p.serverPort {
		return 0
	}
	local, err := unix.Getsockname(dup)
	if err != nil {
		return 0
	}
	return portOf(local)
}

// portOf is an internet socket address's port (0 for any other kind).
func portOf(sa unix.Sockaddr) int {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Port
	case *unix.SockaddrInet6:
		return a.Port
	}
	return 0
}

// String reports what the pinner cost the load generator's CPUs.
func (p *dbPinner) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("%d passes taking %s in all", p.passes, p.spent.Round(time.Millisecond))
}

// cpuSet reads a taskset-style CPU list ("1", "0-1", "0,2").
func cpuSet(cpus string) (unix.CPUSet, error) {
	var set unix.CPUSet
	for _, part := range strings.Split(cpus, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return set, fmt.Errorf("cpu list %q: bad cpu %q", cpus, lo)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return set, fmt.Errorf("cpu list %q: bad range %q", cpus, part)
			}
		}
		for c := a; c <= b; c++ {
			set.Set(c)
		}
	}
	return set, nil
}

// setAffinity pins one thread (tid) to a taskset-style CPU list.
func setAffinity(tid int, cpus string) error {
	set, err := cpuSet(cpus)
	if err != nil {
		return err
	}
	if err := unix.SchedSetaffinity(tid, &set); err != nil {
		return fmt.Errorf("sched_setaffinity %d %s: %w", tid, cpus, err)
	}
	return nil
}
