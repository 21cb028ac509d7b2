package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// KumoInstall is the command that installs kumo through the Go module
// proxy into GOPATH/bin (never into go.mod). GOSUMDB=off is needed because
// sum.golang.org does not answer for some of kumo's AWS SDK dependencies.
const KumoInstall = "GOSUMDB=off go install github.com/sivchari/kumo/cmd/kumo@v0.33.1"

// StartKumo starts the kumo AWS emulator on a free loopback port and returns
// its endpoint and a stop function. bin may be empty: kumo on PATH or in
// GOPATH/bin is used.
func StartKumo(ctx context.Context, bin string) (string, func(), error) {
	if bin == "" {
		if p, err := exec.LookPath("kumo"); err == nil {
			bin = p
		} else if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			bin = filepath.Join(strings.TrimSpace(string(out)), "bin", "kumo")
		}
	}
	if _, err := os.Stat(bin); err != nil {
		return "", nil, fmt.Errorf("no kumo binary (install: `%s`): %w", KumoInstall, err)
	}
	addr, err := FreeAddr()
	if err != nil {
		return "", nil, err
	}
	host, port, _ := strings.Cut(addr, ":")
	p, err := Start("kumo", bin, []string{"KUMO_HOST=" + host, "KUMO_PORT=" + port, "KUMO_LOG_LEVEL=error"})
	if err != nil {
		return "", nil, err
	}
	endpoint := "http://" + addr
	c, err := SQSClient(ctx, endpoint)
	if err != nil {
		p.Stop()
		return "", nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := c.ListQueues(ctx, nil); err == nil {
			return endpoint, p.Stop, nil
		}
		if time.Now().After(deadline) {
			p.Stop()
			return "", nil, errors.New("kumo did not answer ListQueues within 20s:\n" + p.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
