package api

import (
	"database/sql"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dbStats is a snapshot of the MySQL server's global counters and of the
// CPU time used by the server process and by this process, so a benchmark
// can report what each request costs the database: statements (round
// trips), commits, log fsyncs and server CPU. The server counters are
// global: measure against a server nothing else uses.
type dbStats struct {
	status    map[string]float64
	serverCPU time.Duration // -1 when the server process is not local
	selfCPU   time.Duration
}

// statusNames are the SHOW GLOBAL STATUS counters reported per operation.
var statusNames = []string{"Questions", "Com_commit", "Com_stmt_execute", "Com_stmt_prepare", "Innodb_data_fsyncs", "Connections"}

func readDBStats(tb testing.TB, db *sql.DB) dbStats {
	tb.Helper()
	s := dbStats{status: map[string]float64{}, serverCPU: -1}
	rows, err := db.Query(`SHOW GLOBAL STATUS WHERE Variable_name IN ('` + strings.Join(statusNames, "','") + `')`)
	if err != nil {
		tb.Fatalf("show global status: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, v string
		if err := rows.Scan(&name, &v); err != nil {
			tb.Fatalf("scan status: %v", err)
		}
		s.status[name], _ = strconv.ParseFloat(v, 64)
	}
	var pidFile string
	if err := db.QueryRow(`SELECT @@pid_file`).Scan(&pidFile); err == nil {
		if b, err := os.ReadFile(pidFile); err == nil {
			s.serverCPU = procCPU(strings.TrimSpace(string(b)))
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		s.selfCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s
}

// procCPU returns the user+system CPU time of a local process, or -1.
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// report adds per-operation metrics for the n operations since s.
func (s dbStats) report(b *testing.B, db *sql.DB, n int) {
	b.Helper()
	if n == 0 {
		return
	}
	e := readDBStats(b, db)
	for _, k := range statusNames {
		b.ReportMetric((e.status[k]-s.status[k])/float64(n), k+"/op")
	}
	if s.serverCPU >= 0 && e.serverCPU >= 0 {
		b.ReportMetric(float64(e.serverCPU-s.serverCPU)/float64(time.Microsecond)/float64(n), "db-cpu-µs/op")
	}
	b.ReportMetric(float64(e.selfCPU-s.selfCPU)/float64(time.Microsecond)/float64(n), "api-cpu-µs/op")
}
