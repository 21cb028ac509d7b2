package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ddokso/ddokso/internal/emulator"
	"github.com/ddokso/ddokso/internal/process"
)

// Emulator is an AWS-API endpoint a stage measures against.
type Emulator struct {
	// Label names it in the report ("moto", "fauxqs").
	Label string
	// Endpoint is its URL.
	Endpoint string
	// Restart, when set, empties the emulator by restarting it on the same
	// endpoint, so that each side of a comparison starts from a fresh one.
	Restart func(context.Context) error
}

// StartFauxqs starts fauxqs, the in-memory SQS/SNS emulator, through
// infra/emulator on a free loopback port (installing it on first use with
// scripts/dev/ensure-fauxqs.sh). Its Node.js heap is raised to heapMiB so
// that a million queued messages fit. The caller kills the server.
func StartFauxqs(ctx context.Context, heapMiB int) (*emulator.Server, error) {
	var env []string
	if heapMiB > 0 {
		// Read by the Node.js that runs fauxqs, at every restart too.
		env = append(env, "NODE_OPTIONS="+strings.TrimSpace(os.Getenv("NODE_OPTIONS")+" --max-old-space-size="+strconv.Itoa(heapMiB)))
	}
	log := &process.Buffer{Max: 1 << 20}
	s, err := emulator.Start(ctx, emulator.Config{Kind: emulator.Fauxqs, Log: log, Env: env})
	if err != nil {
		return nil, fmt.Errorf("start fauxqs: %w: %s", err, log.Tail(2000))
	}
	return s, nil
}

// listenerRSS returns the resident set size of the process listening on the
// loopback TCP port of endpoint (an emulator the bench started), or 0 when
// it cannot be found.
func listenerRSS(endpoint string) int64 {
	pid := listenerPID(endpoint)
	if pid == 0 {
		return 0
	}
	rss, _, _ := process.Memory(pid)
	return rss
}

// listenerPID returns the process listening on the loopback TCP port of
// endpoint (an emulator the bench started), or 0 when it cannot be found.
func listenerPID(endpoint string) int {
	_, portStr, ok := strings.Cut(strings.TrimPrefix(endpoint, "http://127.0.0.1"), ":")
	if !ok {
		return 0
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return 0
	}
	inode := listeningInode(port)
	if inode == "" {
		return 0
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	want := "socket:[" + inode + "]"
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && l == want {
				return pid
			}
		}
	}
	return 0
}

// listeningInode finds the socket inode listening on 127.0.0.1:port or
// 0.0.0.0:port in /proc/net/tcp.
func listeningInode(port int) string {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return ""
	}
	defer f.Close()
	hexPort := fmt.Sprintf(":%04X", port)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// sl local rem st ... inode is field 9; state 0A is LISTEN.
		if len(fields) > 9 && strings.HasSuffix(fields[1], hexPort) && fields[3] == "0A" {
			return fields[9]
		}
	}
	return ""
}
