package chaos

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ddokso/ddokso/internal/process"
)

// mariadb is a private MariaDB server owned by the harness: its own data
// directory and port, so crashing it never disturbs anyone else's databases.
type mariadb struct {
	dir  string
	port int
	logw io.Writer
	db   *process.Child
}

func newMariaDB(ctx context.Context, dir string, logw io.Writer) (*mariadb, error) {
	port, err := process.FreePort()
	if err != nil {
		return nil, err
	}
	m := &mariadb{dir: dir, port: port, logw: logw}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("mariadb dir: %w", err)
	}
	install := exec.CommandContext(ctx, "mariadb-install-db", "--no-defaults", "--datadir="+data, "--user=root",
		"--auth-root-authentication-method=normal", "--skip-test-db")
	if out, err := install.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %w\n%s", err, out)
	}
	return m, m.start(ctx)
}

// DSN is the go-sql-driver DSN of database db.
func (m *mariadb) DSN(db string) string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s", m.port, db)
}

func (m *mariadb) start(ctx context.Context) error {
	db, err := process.Start(process.Spec{Name: "mariadbd", Bin: "/usr/sbin/mariadbd", Output: m.logw, Args: []string{"--no-defaults", "--datadir=" + filepath.Join(m.dir, "data"), "--user=root",
		"--port=" + strconv.Itoa(m.port), "--bind-address=127.0.0.1", "--socket=" + filepath.Join(m.dir, "sock"),
		"--pid-file=" + filepath.Join(m.dir, "pid"), "--skip-log-bin", "--innodb-buffer-pool-size=256M",
		"--max-connections=500", "--innodb-flush-log-at-trx-commit=1"}})
	if err != nil {
		return err
	}
	m.db = db
	return waitTCP(ctx, fmt.Sprintf("127.0.0.1:%d", m.port), 60*time.Second)
}

// crashRestart kills mariadbd with SIGKILL (InnoDB crash recovery on start)
// and starts it again; it returns how long the database was away.
func (m *mariadb) crashRestart(ctx context.Context, down time.Duration) (time.Duration, error) {
	t0 := time.Now()
	m.db.Kill()
	time.Sleep(down)
	err := m.start(ctx)
	return time.Since(t0), err
}

func (m *mariadb) stop() {
	if m.db != nil {
		m.db.Stop(30 * time.Second)
	}
}

func waitTCP(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not accept connections within %s", addr, timeout)
}
