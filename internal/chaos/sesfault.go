package chaos

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// sesFault aims a kill -9 at the notify worker's crash window (see deliver
// in workers/notify): one notify process sends its SES calls through this
// reverse proxy in front of moto (AWS_ENDPOINT_URL_SESV2), and while armed
// the proxy lets every Nth SendEmail reach moto, sees SES accept it, then
// kills and restarts the worker before handing it the answer. SES has the
// mail; the worker never learnt it, so its row stays claimed and queued.
// A random kill lands there about once in several full runs; this lands
// there on purpose.
type sesFault struct {
	h     *harness
	every int64
	ln    net.Listener
	srv   *http.Server

	mu     sync.Mutex
	target *proc

	armed atomic.Bool
	sends atomic.Int64
}

// newSESFault listens on a loopback port in front of moto; every <= 0
// never kills.
func newSESFault(h *harness, every int) (*sesFault, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("ses fault proxy: %w", err)
	}
	f := &sesFault{h: h, every: int64(every), ln: ln}
	moto, err := url.Parse(h.moto.Endpoint())
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(moto)
	rp.ModifyResponse = f.afterSES
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, errKilled) {
			panic(http.ErrAbortHandler) // the caller is dead: drop the connection
		}
		http.Error(w, err.Error(), http.StatusBadGateway)
	}
	f.srv = &http.Server{Handler: rp}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

var errKilled = errors.New("worker killed inside its SES call")

// Endpoint is the proxy's URL, for the target's AWS_ENDPOINT_URL_SESV2.
func (f *sesFault) Endpoint() string { return "http://" + f.ln.Addr().String() }

// aim sets the process the proxy kills.
func (f *sesFault) aim(p *proc) {
	f.mu.Lock()
	f.target = p
	f.mu.Unlock()
}

// arm turns the kills on or off.
func (f *sesFault) arm(on bool) { f.armed.Store(on) }

func (f *sesFault) afterSES(resp *http.Response) error {
	r := resp.Request
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/outbound-emails") || resp.StatusCode != http.StatusOK {
		return nil
	}
	if n := f.sends.Add(1); f.every <= 0 || !f.armed.Load() || n%f.every != 0 {
		return nil
	}
	f.mu.Lock()
	p := f.target
	f.mu.Unlock()
	if p == nil {
		return nil
	}
	// SES (moto) has accepted and recorded the mail; the worker is still
	// waiting for this answer.
	if err := p.restart(); err != nil {
		f.h.log.Error("restart after kill in SES call", "proc", p.name, "err", err)
	}
	f.h.fault("kill-9-in-ses-call", p.name, "after SES accepted the mail, before the worker saw the answer")
	return errKilled
}

func (f *sesFault) close() { _ = f.srv.Close() }
