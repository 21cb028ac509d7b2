package price

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Result is the JSON shape printed by `ddokso parse-price`:
// {"amount":"12900","currency":"KRW"}. Amount is null when the text holds no
// price, Currency is null when the currency is unknown. Free is only
// serialized (true) for a free item ("Free", "무료", "0,00"), whose amount is
// zero. Error is only set (and only serialized) for an input line that could
// not be read or whose currency_hint is not an ISO 4217 code.
type Result struct {
	Amount   *string `json:"amount"`
	Currency *string `json:"currency"`
	Free     bool    `json:"free,omitempty"`
	Error    string  `json:"error,omitempty"`
}

// ParseResult parses text like Read and returns the CLI JSON shape.
func ParseResult(text, currencyHint string) Result {
	rd := Read(text, currencyHint)
	if !rd.Found {
		return Result{}
	}
	a := rd.Amount
	amount := a.Decimal()
	r := Result{Amount: &amount, Free: rd.Free}
	if a.Currency != "" {
		cur := a.Currency
		r.Currency = &cur
	}
	return r
}

// Request is one input line of RunJSONL.
type Request struct {
	Text         string `json:"text"`
	CurrencyHint string `json:"currency_hint"`
}

// MaxLineBytes is the longest input line RunJSONL accepts; longer lines get
// an error result.
const MaxLineBytes = 1 << 20

// ErrLineTooLong is reported (in the error field) for input lines longer than
// MaxLineBytes.
var ErrLineTooLong = errors.New("line exceeds 1 MiB")

// RunJSONL reads JSON lines {"text":...,"currency_hint":...} from r and
// writes exactly one Result JSON line per input line to w, in order. A
// malformed or over-long line yields {"amount":null,"currency":null,
// "error":"..."} on its own line and never stops the stream. Input is
// streamed; lines may be up to MaxLineBytes. A final line without a trailing
// newline is processed too. The returned error is only for read or write
// failures.
func RunJSONL(r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var line []byte
	for lineNo := 1; ; lineNo++ {
		var (
			tooLong bool
			readErr error
		)
		line, tooLong, readErr = readLine(br, line[:0])
		if readErr != nil && readErr != io.EOF {
			_ = bw.Flush()
			return fmt.Errorf("read line %d: %w", lineNo, readErr)
		}
		if readErr == io.EOF && len(line) == 0 && !tooLong {
			break
		}
		if err := enc.Encode(handleLine(line, tooLong)); err != nil {
			return fmt.Errorf("write result %d: %w", lineNo, err)
		}
		if readErr == io.EOF {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

func handleLine(line []byte, tooLong bool) Result {
	if tooLong {
		return Result{Error: ErrLineTooLong.Error()}
	}
	var req Request
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&req); err != nil {
		return Result{Error: fmt.Sprintf("invalid JSON: %v", err)}
	}
	if dec.More() {
		return Result{Error: "invalid JSON: trailing data after object"}
	}
	if _, err := CurrencyCode(req.CurrencyHint); err != nil && trimASCIISpace(req.CurrencyHint) != "" {
		return Result{Error: err.Error()}
	}
	return ParseResult(req.Text, req.CurrencyHint)
}

// readLine appends the next line (without "\n" or "\r\n") to buf. Lines over
// MaxLineBytes are consumed up to their newline and reported as tooLong. err
// is io.EOF when the input ended (possibly after a final unterminated line).
func readLine(br *bufio.Reader, buf []byte) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > MaxLineBytes+2 { // +2 for "\r\n"
				tooLong = true
				buf = buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil:
			line = trimEOL(buf)
			if len(line) > MaxLineBytes {
				return buf[:0], true, err
			}
			return line, tooLong, err
		default:
			line = trimEOL(buf)
			if len(line) > MaxLineBytes {
				return buf[:0], true, nil
			}
			return line, tooLong, nil
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}
