// Package api is ddokso's HTTP API for the frontend, served with gin under
// /api/v1. It never scrapes inline: URL submissions insert a scrape request
// and a scrape.requested event into the transactional outbox in one
// transaction, and clients long-poll the request until a worker writes its
// outcome. Reads (products, price history, charts) come straight from MySQL,
// with one exception: GET /products/{id}, and a POST /scrapes answered with
// a recently checked product, are served from a small in-process cache
// (at most 10,000 products, each kept Config.ProductCacheTTL, default 1s;
// nothing invalidates it), so a product shown may be up to that TTL old.
// Set the TTL to 0 to read every request from MySQL. Queries on the hot
// paths are prepared once per pool and reused.
//
// Errors are RFC 9457 problem documents (application/problem+json); the
// contract is the OpenAPI 3 document served at /api/v1/openapi.json.
//
// Watches for a URL that is not yet a known product insert a minimal
// products row (check_status "new") together with the scrape request and the
// outbox event, and the watch points at that row; the scrap worker fills the
// row in when the scrape completes.
package api
