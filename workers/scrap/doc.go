// Package scrap is the scrap worker: it handles scrape.requested events by
// fetching the product page (politely, see package fetch), extracting the
// product (package extract) and recording the outcome in one MySQL
// transaction: the product and its variants, a price observation when price
// or availability changed, the scrape request's outcome, and a price.changed
// outbox event on a change. A request's outcome is read from its row (GET
// /scrapes/{id}); it is not announced as an event, since nothing consumes
// one.
//
// A blocked or broken fetch never touches a product's price or availability:
// it is recorded as a blocked or failed check with a reason and backs the
// product's next check off.
package scrap
