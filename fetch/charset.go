package fetch

// DecodeBody converts a page read from anywhere (a saved file, a test
// fixture) to UTF-8 exactly as Fetch does for fetched pages, and returns the
// name of the source encoding. contentType may be "".
func DecodeBody(body []byte, contentType string) ([]byte, string) {
	return decodeBody(body, contentType)
}
