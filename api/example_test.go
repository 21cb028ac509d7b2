package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/ddokso/ddokso/api"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/store"
)

// Example builds the API on a fresh database and submits a URL: the answer
// is 202 with a scrape id to long-poll, and the scrape.requested event waits
// in the outbox for the relay.
func Example() {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "ddokso_example_" + hex.EncodeToString(b)
	dsn := storetest.ServerDSN() + name
	ctx := context.Background()
	if err := store.CreateDatabase(ctx, dsn); err != nil {
		fmt.Println(err)
		return
	}
	db, err := store.Open(ctx, store.Config{DSN: dsn})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		_, _ = db.Exec("DROP DATABASE " + name)
		db.Close()
	}()
	if err := store.MigrateUp(ctx, db, nil); err != nil {
		fmt.Println(err)
		return
	}

	h, err := api.New(api.Deps{
		DB:     db,
		Config: api.Config{JWTSecret: "an-example-secret-of-some-length"},
		Kick:   func() { fmt.Fprintln(os.Stdout, "relay kicked") },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	req := httptest.NewRequest("POST", "/api/v1/scrapes", strings.NewReader(`{"url":"https://shop.example.com/item/7?utm_source=mail"}`))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code == http.StatusAccepted, w.Header().Get("Location") != "")

	var url string
	_ = db.QueryRow("SELECT canonical_url FROM scrape_requests").Scan(&url)
	fmt.Println(url)
	// Output:
	// relay kicked
	// true true
	// https://shop.example.com/item/7
}
