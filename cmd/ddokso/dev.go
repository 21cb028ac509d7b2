package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ddokso/ddokso/internal/demoshop"
	"github.com/ddokso/ddokso/internal/emulator"
)

// DefaultDevShop is where `ddokso dev shop` listens unless --addr says otherwise.
const DefaultDevShop = "127.0.0.1:8765"

const devUsage = `ddokso dev — local try-out helpers (see README "Try it in five minutes")

  ddokso dev shop [--addr 127.0.0.1:8765]        the demo shop (JSON-LD product pages) on loopback
  ddokso dev set-price [--shop URL] SKU WON      change a demo product's price
  ddokso dev set-stock [--shop URL] SKU in_stock|out_of_stock
  ddokso dev token [--email you@example.com] [--sub ID] [--ttl 24h] [--env-file .dev.env]
                                                 an HS256 bearer token signed with DDOKSO_API_JWT_SECRET
  ddokso dev mail [--moto URL] [--to ADDR] [--json]
                                                 the mail moto's SES accepted, decoded
`

func cmdDev(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"dev needs a subcommand: shop, set-price, set-stock, token, mail"}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "shop":
		return devShop(ctx, rest, stdout)
	case "set-price", "set-stock":
		return devSet(ctx, sub, rest, stdout)
	case "token":
		return devToken(rest, stdout)
	case "mail":
		return devMail(ctx, rest, stdout)
	case "help", "-h", "--help":
		_, err := io.WriteString(stdout, devUsage)
		return err
	}
	return usageError{fmt.Sprintf("unknown dev subcommand %q", sub)}
}

func devShop(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dev shop", flag.ContinueOnError)
	addr := fs.String("addr", DefaultDevShop, "listen address (loopback)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("dev shop: %w", err)
	}
	base := "http://" + l.Addr().String()
	fmt.Fprintf(stdout, "demo shop on %s (set DDOKSO_DEV_SHOP=%s for ddokso run)\n", base, l.Addr())
	for _, p := range demoshop.Catalog() {
		fmt.Fprintf(stdout, "  %s/products/%s  %s  %d KRW  in_stock=%v\n", base, p.SKU, p.Name, p.Price, p.InStock)
	}
	srv := &http.Server{Handler: demoshop.New(), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("dev shop: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func devSet(ctx context.Context, sub string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dev "+sub, flag.ContinueOnError)
	shop := fs.String("shop", "http://"+DefaultDevShop, "demo shop base URL")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return usageError{fmt.Sprintf("dev %s needs SKU and a value", sub)}
	}
	sku, v := fs.Arg(0), fs.Arg(1)
	q := url.Values{}
	if sub == "set-price" {
		q.Set("price", v)
	} else {
		q.Set("stock", v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(*shop, "/")+"/_demo/products/"+url.PathEscape(sku)+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("dev %s: is `ddokso dev shop` running? %w", sub, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("dev %s: %s: %s", sub, resp.Status, strings.TrimSpace(string(body)))
	}
	_, err = stdout.Write(body)
	return err
}

// devEnv reads KEY=VALUE lines of a .dev.env file (missing file: empty).
func devEnv(path string) (map[string]string, error) {
	out := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export "))
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			out[k] = strings.Trim(v, `"'`)
		}
	}
	return out, sc.Err()
}

func devToken(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dev token", flag.ContinueOnError)
	email := fs.String("email", "you@example.com", "email claim (where alerts go)")
	sub := fs.String("sub", "", "sub claim, the user id (default: derived from the email)")
	ttl := fs.Duration("ttl", 24*time.Hour, "lifetime (exp claim)")
	envFile := fs.String("env-file", ".dev.env", "file with DDOKSO_API_JWT_SECRET when it is not in the environment")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	secret := os.Getenv("DDOKSO_API_JWT_SECRET")
	if secret == "" {
		env, err := devEnv(*envFile)
		if err != nil {
			return fmt.Errorf("dev token: %w", err)
		}
		secret = env["DDOKSO_API_JWT_SECRET"]
	}
	if secret == "" {
		return fmt.Errorf("dev token: DDOKSO_API_JWT_SECRET is neither set nor in %s (make run or make demo creates it)", *envFile)
	}
	if *sub == "" {
		*sub = "dev-" + strings.NewReplacer("@", "-at-", ".", "-").Replace(strings.ToLower(*email))
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": *sub, "email": *email, "exp": time.Now().Add(*ttl).Unix(), "iat": time.Now().Unix(),
	}).SignedString([]byte(secret))
	if err != nil {
		return fmt.Errorf("dev token: %w", err)
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

func devMail(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dev mail", flag.ContinueOnError)
	moto := fs.String("moto", "", "moto's endpoint (default: $AWS_ENDPOINT_URL, else the one make demo wrote to .dev.moto)")
	to := fs.String("to", "", "only mail to this address")
	asJSON := fs.Bool("json", false, "JSON lines instead of text")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *moto == "" {
		*moto = os.Getenv("AWS_ENDPOINT_URL")
	}
	if *moto == "" {
		if b, err := os.ReadFile(".dev.moto"); err == nil {
			*moto = strings.TrimSpace(string(b))
		}
	}
	if *moto == "" {
		return errors.New("dev mail: no moto endpoint: pass --moto, set AWS_ENDPOINT_URL, or run make demo (writes .dev.moto)")
	}
	raws, err := emulator.MotoSentMail(ctx, nil, *moto)
	if err != nil {
		return fmt.Errorf("dev mail: %w", err)
	}
	n := 0
	for _, r := range raws {
		m, err := emulator.DecodeMail(r.ID, r.RawData)
		if err != nil {
			return fmt.Errorf("dev mail: %w", err)
		}
		if *to != "" && !strings.Contains(strings.ToLower(m.To), strings.ToLower(*to)) {
			continue
		}
		n++
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(m); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "--- mail %d (%s)\nFrom: %s\nTo: %s\nSubject: %s\n", n, m.ID, m.From, m.To, m.Subject)
		if m.Unsubscribe != "" {
			fmt.Fprintf(stdout, "Unsubscribe: %s\n", m.Unsubscribe)
		}
		fmt.Fprintf(stdout, "\n%s\n\n", m.Text)
	}
	if n == 0 && !*asJSON {
		fmt.Fprintln(stdout, "(no mail yet)")
	}
	return nil
}
