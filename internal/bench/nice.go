package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// renice sets the nice value of every thread of pid. Linux keeps a nice
// value per thread (setpriority on a pid changes only the thread with
// that id), so each task under /proc/PID/task is set; threads started
// later inherit the value of the thread that starts them.
func renice(pid, nice int) error {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/[0-9]*", pid))
	if err != nil || len(tasks) == 0 {
		return fmt.Errorf("renice %d: no tasks under /proc/%d/task", pid, pid)
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(filepath.Base(task))
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, nice); err != nil && !os.IsNotExist(err) && err != syscall.ESRCH {
			return fmt.Errorf("renice thread %d of %d to %d: %w", tid, pid, nice, err)
		}
	}
	return nil
}

// niceOf returns the nice value of each thread of pid (field 19 of
// /proc/PID/task/TID/stat).
func niceOf(pid int) ([]int, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/[0-9]*/stat", pid))
	if err != nil || len(tasks) == 0 {
		return nil, fmt.Errorf("nice of %d: no tasks", pid)
	}
	var out []int
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 17 {
			return nil, fmt.Errorf("nice of %d: short stat %q", pid, s)
		}
		n, err := strconv.Atoi(f[16]) // field 19, counting pid and comm
		if err != nil {
			return nil, fmt.Errorf("nice of %d: %w", pid, err)
		}
		out = append(out, n)
	}
	return out, nil
}
