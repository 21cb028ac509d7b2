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
