package price

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseResultJSON(t *testing.T) {
	t.Parallel()

	tests := []struct {
		text, hint, want string
	}{
		{"₩12,900", "", `{"amount":"12900","currency":"KRW"}`},
		{"$12.99", "", `{"amount":"12.99","currency":"USD"}`},
		{"12.99", "", `{"amount":"12.99","currency":null}`},
		{"가격문의", "KRW", `{"amount":null,"currency":null}`},
		{"Free", "USD", `{"amount":"0.00","currency":"USD","free":true}`},
		{"무료", "KRW", `{"amount":"0","currency":"KRW","free":true}`},
		{"0,00 €", "", `{"amount":"0.00","currency":"EUR","free":true}`},
		{"-5,000원", "", `{"amount":null,"currency":null}`},
		{"free shipping over $49", "", `{"amount":null,"currency":null}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(ParseResult(tt.text, tt.hint))
		require.NoError(t, err)
		require.JSONEq(t, tt.want, string(b), tt.text)
		require.NotContains(t, string(b), "error")
	}
}

func setup(t *testing.T, input string) []map[string]any {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, RunJSONL(strings.NewReader(input), &out))
	var results []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "output line %q", line)
		results = append(results, m)
	}
	return results
}

func TestRunJSONL(t *testing.T) {
	t.Parallel()

	input := strings.Join([]string{
		`{"text":"₩12,900"}`,
		`{"text":"12,99","currency_hint":"EUR"}`,
		`not json`,
		``,
		`{"text":"품절"}`,
		`{"text":"12.99"}` + "\r",
		`{"text":"$5"} {"text":"x"}`,
		`{"text":"3만원"}`, // no trailing newline
	}, "\n")
	got := setup(t, input)
	require.Len(t, got, 8)

	require.Equal(t, map[string]any{"amount": "12900", "currency": "KRW"}, got[0])
	require.Equal(t, map[string]any{"amount": "12.99", "currency": "EUR"}, got[1])
	require.Nil(t, got[2]["amount"])
	require.Nil(t, got[2]["currency"])
	require.Contains(t, got[2]["error"], "invalid JSON")
	require.Contains(t, got[3]["error"], "invalid JSON")
	require.Equal(t, map[string]any{"amount": nil, "currency": nil}, got[4])
	require.Equal(t, map[string]any{"amount": "12.99", "currency": nil}, got[5])
	require.Contains(t, got[6]["error"], "trailing data")
	require.Equal(t, map[string]any{"amount": "30000", "currency": "KRW"}, got[7])
}

func TestRunJSONLRejectsUnknownCurrencyHint(t *testing.T) {
	t.Parallel()

	got := setup(t, `{"text":"12,99","currency_hint":"XYZ"}`+"\n"+`{"text":"12,99","currency_hint":"eur"}`+"\n")
	require.Len(t, got, 2)
	require.Nil(t, got[0]["amount"])
	require.Contains(t, got[0]["error"], `currency "XYZ"`)
	require.Equal(t, map[string]any{"amount": "12.99", "currency": "EUR"}, got[1])
}

func TestCurrencyCode(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]string{"KRW": "KRW", "krw": "KRW", " usd ": "USD", "KWD": "KWD", "GTQ": "GTQ"} {
		got, err := CurrencyCode(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got)
	}
	for _, in := range []string{"XYZ", "", "dollars", "US", "XXX", "원"} {
		_, err := CurrencyCode(in)
		require.ErrorIs(t, err, ErrCurrency, in)
	}
}

func TestRunJSONLLongLines(t *testing.T) {
	t.Parallel()

	big := `{"text":"` + strings.Repeat("가", MaxLineBytes/3-20) + ` 12,900원"}`
	require.LessOrEqual(t, len(big), MaxLineBytes)
	tooBig := `{"text":"` + strings.Repeat("x", MaxLineBytes+10) + `"}`
	got := setup(t, big+"\n"+tooBig+"\n"+`{"text":"$1"}`+"\n")
	require.Len(t, got, 3)
	require.Equal(t, map[string]any{"amount": "12900", "currency": "KRW"}, got[0])
	require.Equal(t, ErrLineTooLong.Error(), got[1]["error"])
	require.Equal(t, map[string]any{"amount": "1.00", "currency": "USD"}, got[2])
}

func TestRunJSONLEmpty(t *testing.T) {
	t.Parallel()

	var out bytes.Buffer
	require.NoError(t, RunJSONL(strings.NewReader(""), &out))
	require.Empty(t, out.String())
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestRunJSONLIOErrors(t *testing.T) {
	t.Parallel()

	err := RunJSONL(strings.NewReader(strings.Repeat(`{"text":"$1"}`+"\n", 10000)), failWriter{})
	require.ErrorContains(t, err, "disk full")

	err = RunJSONL(io.MultiReader(strings.NewReader(`{"text":"$1"}`+"\n"), failReader{}), io.Discard)
	require.ErrorContains(t, err, "connection reset")
}
