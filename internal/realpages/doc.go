// Package realpages scores ddokso's product extraction on real shop pages
// that no one here wrote: pages saved by other public projects (scrapers' and
// extractors' test fixtures, crawler projects' saved pages) and read back from
// those repositories' git history by commit and path. Only the manifest, with
// each page's provenance and what a person sees on it, is committed here; the
// third-party HTML never is.
//
// The scorer runs the same extraction as `ddokso extract FILE --url URL`
// (fetch.DecodeBody, then extract.Extract) and compares what the scrap worker
// would record (a price only when the page is taken as a product page) with
// the annotation: price amount and currency exactly, availability where a
// person can tell, title after normalisation, and is_product.
package realpages
