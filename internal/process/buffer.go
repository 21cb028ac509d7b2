package process

import (
	"bytes"
	"sync"
)

// Buffer collects output that one goroutine writes while another reads it:
// a child process's stderr, or a logger's records under test. The zero
// value is ready to use and keeps everything.
type Buffer struct {
	// Max, when above 0, bounds the buffer for long-running writers: once
	// it holds more than Max bytes, the next Write first drops all but the
	// last Max/2.
	Max int

	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Max > 0 && b.buf.Len() > b.Max {
		rest := b.buf.Bytes()[b.buf.Len()-b.Max/2:]
		b.buf = *bytes.NewBuffer(append([]byte(nil), rest...))
	}
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Tail returns the last n bytes written so far (all of them if fewer).
func (b *Buffer) Tail(n int) string {
	s := b.String()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}
