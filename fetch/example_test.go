package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/ddokso/ddokso/fetch"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nDisallow: /admin/\n")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, "<html><body><h1>무선 이어폰</h1><p>정가 12,900원</p>"+strings.Repeat("<p>상세 설명</p>", 50)+"</body></html>")
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())

	f, err := fetch.New(fetch.Config{
		AllowLoopback: true, // only because the example server is on loopback
		Ports:         []int{80, 443, port},
		Limiter:       fetch.NewLocalLimiter(0),
	})
	if err != nil {
		panic(err)
	}
	defer f.Close()
	ctx := context.Background()

	res, err := f.Fetch(ctx, fetch.Request{URL: srv.URL + "/p/1"})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.StatusCode, res.Blocked, strings.Contains(string(res.Body), "정가 12,900원"))

	again, err := f.Fetch(ctx, fetch.Request{URL: res.FinalURL, ETag: res.ETag})
	if err != nil {
		panic(err)
	}
	fmt.Println("not modified:", again.NotModified)

	_, err = f.Fetch(ctx, fetch.Request{URL: srv.URL + "/admin/"})
	fmt.Println(errors.Is(err, fetch.ErrRobotsDisallowed))

	_, err = f.Fetch(ctx, fetch.Request{URL: "http://169.254.169.254/latest/meta-data/"})
	fmt.Println(errors.Is(err, fetch.ErrForbiddenAddress))
	// Output:
	// 200 false true
	// not modified: true
	// true
	// true
}

func ExampleDetectBlock() {
	h := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	fmt.Println(fetch.DetectBlock(http.StatusTooManyRequests, http.Header{"Retry-After": {"60"}}, nil))
	fmt.Println(fetch.DetectBlock(http.StatusOK, h, []byte("<html><head><title>Just a moment...</title></head></html>")))
	fmt.Println(fetch.DetectBlock(http.StatusOK, h, []byte("<html><body><p>About us</p></body></html>")))
	// Output:
	// true http 429 (retry-after 60)
	// true captcha: cloudflare challenge
	// false
}
