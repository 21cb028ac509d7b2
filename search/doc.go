// Package search finds products by name on any MySQL (MariaDB, MySQL 8,
// Aurora) without an engine's full-text parser: each product's title and
// brand are cut into normalized terms (every two-character gram of every
// word, and the word itself) in product_terms, maintained where product
// titles are written; a query's grams must all match. The API walks the
// postings of the query's rarest gram in rank order (where it matched:
// title and brand, title, brand; then newest) and stops after a page, so
// common words stay fast at 500,000 products. Korean partial words ("러닝화" in "똑소 러닝화 에어 42") and
// English in any case match alike.
package search
