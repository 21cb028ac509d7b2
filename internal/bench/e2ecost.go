package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// costPID names a process whose CPU time a costProbe reads; pid 0 is
// this process (the bench: fake shop, clients and, for the floor, the
// floor's own work).
type costPID struct {
	name string
	pid  int
}

// statusVars are the MariaDB global status counters a costProbe reports
// per URL. They are server-wide: other clients of a shared server count.
var statusVars = []string{"Questions", "Com_commit", "Handler_commit", "Com_select", "Com_insert", "Com_update", "Com_delete",
	"Innodb_os_log_fsyncs", "Innodb_data_fsyncs", "Innodb_row_lock_waits"}

// costProbe measures what one run consumed: CPU time of each process and
// the change of MariaDB's status counters.
type costProbe struct {
	db   *sql.DB
	pids []costPID
	cpu0 []time.Duration
	st0  map[string]int64
}

// cost is what a run consumed.
type cost struct {
	pids   []costPID
	cpu    []time.Duration // -1: not readable
	status map[string]int64
}

func cpuOf(pid int) time.Duration {
	if pid == 0 {
		return processCPU()
	}
	return procCPU(pid)
}

func startCost(ctx context.Context, db *sql.DB, pids []costPID) *costProbe {
	p := &costProbe{db: db, pids: pids, st0: globalStatus(ctx, db)}
	for _, c := range pids {
		p.cpu0 = append(p.cpu0, cpuOf(c.pid))
	}
	return p
}

func (p *costProbe) stop(ctx context.Context) cost {
	c := cost{pids: p.pids, status: map[string]int64{}}
	for i, pp := range p.pids {
		v := cpuOf(pp.pid)
		if v < 0 || p.cpu0[i] < 0 {
			c.cpu = append(c.cpu, -1)
			continue
		}
		c.cpu = append(c.cpu, v-p.cpu0[i])
	}
	for k, v := range globalStatus(ctx, p.db) {
		c.status[k] = v - p.st0[k]
	}
	return c
}

// with returns c with one more process, whose CPU time was read apart
// (a process started within the probe's span).
func (c cost) with(name string, cpu time.Duration) cost {
	c.pids = append(slices.Clone(c.pids), costPID{name: name})
	c.cpu = append(slices.Clone(c.cpu), cpu)
	return c
}

// add sums two costs of the same processes.
func (c cost) add(o cost) cost {
	if c.pids == nil {
		return o
	}
	s := cost{pids: c.pids, status: map[string]int64{}}
	for i := range c.cpu {
		if c.cpu[i] < 0 || i >= len(o.cpu) || o.cpu[i] < 0 {
			s.cpu = append(s.cpu, -1)
			continue
		}
		s.cpu = append(s.cpu, c.cpu[i]+o.cpu[i])
	}
	for k, v := range c.status {
		s.status[k] = v + o.status[k]
	}
	return s
}

// cpuPerURL renders the CPU µs per URL of each process and their total.
func (c cost) cpuPerURL(n int) string {
	if n == 0 {
		return "n/a"
	}
	var parts []string
	var total float64
	for i, p := range c.pids {
		if c.cpu[i] < 0 {
			parts = append(parts, p.name+" n/a")
			continue
		}
		us := float64(c.cpu[i].Microseconds()) / float64(n)
		total += us
		parts = append(parts, fmt.Sprintf("%s %.0f", p.name, us))
	}
	return fmt.Sprintf("%s = %.0f µs", strings.Join(parts, " + "), total)
}

// statusPerURL renders the status counter changes per URL.
func (c cost) statusPerURL(n int) string {
	if n == 0 || len(c.status) == 0 {
		return "n/a"
	}
	var parts []string
	for _, k := range statusVars {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, float64(c.status[k])/float64(n)))
	}
	return strings.Join(parts, ", ")
}

// globalStatus reads statusVars from SHOW GLOBAL STATUS (empty on error).
func globalStatus(ctx context.Context, db *sql.DB) map[string]int64 {
	out := map[string]int64{}
	rows, err := db.QueryContext(ctx, "SHOW GLOBAL STATUS WHERE Variable_name IN ('"+strings.Join(statusVars, "','")+"')")
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v int64
		if rows.Scan(&k, &v) == nil {
			out[k] = v
		}
	}
	return out
}

// profileProcs takes a CPU profile of every process with a pprof address
// for d, writing dir/<prefix>-<name>.pprof. It returns at once; the
// returned wait blocks until all profiles are written and returns the
// files written.
func profileProcs(procs []*Proc, d time.Duration, dir, prefix string) (wait func() []string) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var files []string
	for _, p := range procs {
		if p.PprofAddr == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := filepath.Join(dir, prefix+"-"+strings.NewReplacer(" ", "-", "#", "").Replace(p.Name)+".pprof")
			if err := fetchProfile(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.PprofAddr, max(1, int(d.Seconds()))), name); err != nil {
				fmt.Fprintf(os.Stderr, "profile %s: %v\n", p.Name, err)
				return
			}
			mu.Lock()
			files = append(files, name)
			mu.Unlock()
		}()
	}
	return func() []string { wg.Wait(); return files }
}

func fetchProfile(url, file string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// stageMeans reads ddokso_scrap_stage_seconds and the scrap queue's
// ddokso_queue_handler_duration_seconds from the /metrics of every process
// with an admin address and renders the mean per message of each.
func stageMeans(procs []*Proc) string {
	sum, count := map[string]float64{}, map[string]float64{}
	order := []string{"lookup", "fetch", "extract", "record", "record_writes", "handler"}
	for _, p := range procs {
		if p.AdminAddr == "" {
			continue
		}
		resp, err := http.Get("http://" + p.AdminAddr + "/metrics")
		if err != nil {
			continue
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			name, val, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			var v float64
			if _, err := fmt.Sscan(val, &v); err != nil {
				continue
			}
			for _, suffix := range []string{"_sum", "_count"} {
				var stage string
				switch {
				case strings.HasPrefix(name, "ddokso_scrap_stage_seconds"+suffix+`{stage="`):
					stage = strings.TrimSuffix(strings.TrimPrefix(name, "ddokso_scrap_stage_seconds"+suffix+`{stage="`), `"}`)
				case strings.HasPrefix(name, "ddokso_queue_handler_duration_seconds"+suffix+`{queue=`) && strings.Contains(name, "scrap"):
					stage = "handler"
				default:
					continue
				}
				if suffix == "_sum" {
					sum[stage] += v
				} else {
					count[stage] += v
				}
			}
		}
	}
	var parts []string
	for _, st := range order {
		if count[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s %.1f ms", st, 1000*sum[st]/count[st]))
		}
	}
	return strings.Join(parts, ", ")
}
