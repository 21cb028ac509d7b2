package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// renice sets the nice value of every thread of pid. Linux keeps a nice
// value per thread (setpriority on a pid changes only the thread with
// that id), so each task under /proc/PID/task is set. A thread started
// later inherits the value of the thread that starts it, but a thread not
// yet set may start one while the list is being walked; so the list is
// read again until a pass finds no thread it has not set.
func renice(pid, nice int) error {
	done := map[int]bool{}
	for pass := 0; pass < 100; pass++ {
		tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/[0-9]*", pid))
		if err != nil || len(tasks) == 0 {
			return fmt.Errorf("renice %d: no tasks under /proc/%d/task", pid, pid)
		}
		fresh := 0
		for _, task := range tasks {
			tid, err := strconv.Atoi(filepath.Base(task))
			if err != nil || done[tid] {
				continue
			}
			fresh++
			done[tid] = true
			if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, nice); err != nil && !os.IsNotExist(err) && err != syscall.ESRCH {
				return fmt.Errorf("renice thread %d of %d to %d: %w", tid, pid, nice, err)
			}
		}
		if fresh == 0 {
			return nil
		}
	}
	return fmt.Errorf("renice %d: threads kept appearing after 100 passes", pid)
}
