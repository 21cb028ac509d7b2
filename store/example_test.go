package store_test

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/store"
)

// A handler applies its effect, its dedupe marker and the events that must
// follow it in one transaction: a redelivered message changes nothing, and
// the events are published by the relay only if the transaction commits.
func ExampleOnce() {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: "root@tcp(127.0.0.1:3306)/ddokso"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	env := events.MustNew(ctx, events.ScrapeRequested{ScrapeID: 7, URL: "https://www.11st.co.kr/products/1"})
	applied, err := store.Once(ctx, db, "scrap", env.Key(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE scrape_requests SET status = 'done' WHERE id = ?`, 7); err != nil {
			return err
		}
		changed := events.MustNew(ctx, events.PriceChanged{ProductID: 3, URL: "https://www.11st.co.kr/products/1", Currency: "KRW"})
		return store.AddOutbox(ctx, tx, changed)
	})
	fmt.Println(applied, err)
}
