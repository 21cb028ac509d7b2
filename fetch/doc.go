// Package fetch is the HTTP fetcher the scrap worker uses for user-submitted
// product URLs.
//
// A [Fetcher] is safe against server-side request forgery: every address it
// dials (including each DNS answer and every redirect hop) is checked with
// code.dny.dev/ssrf before a connection is attempted, and URLs with foreign
// schemes, userinfo or unexpected ports are refused before any lookup. It
// honours robots.txt (cached per host), limits the request rate per host
// through a [Limiter] that can be shared across processes ([NewMySQLLimiter]),
// caps body size on the decoded bytes, retries transient failures with
// exponential backoff and jitter, supports conditional GET, decodes bodies to
// UTF-8 (including undeclared EUC-KR/CP949 pages) and classifies anti-bot
// responses with [DetectBlock].
package fetch
