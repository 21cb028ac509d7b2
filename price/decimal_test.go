package price

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDecimal(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in, cur string
		want    Amount
	}{
		{"12900", "KRW", Amount{12900, "KRW"}},
		{"12900.00", "KRW", Amount{12900, "KRW"}},
		{"2879.2", "USD", Amount{287920, "USD"}},
		{"2879.20", "USD", Amount{287920, "USD"}},
		{"2879.20", "usd", Amount{287920, "USD"}},
		{"1.5E3", "USD", Amount{150000, "USD"}},
		{"1.5e3", "KRW", Amount{1500, "KRW"}},
		{"125e-2", "EUR", Amount{125, "EUR"}},
		{"1E+2", "JPY", Amount{100, "JPY"}},
		{".5", "USD", Amount{50, "USD"}},
		{"5.", "USD", Amount{500, "USD"}},
		{"+7", "USD", Amount{700, "USD"}},
		{" 42 ", "USD", Amount{4200, "USD"}},
		{"0", "USD", Amount{0, "USD"}},
		{"0.000", "KRW", Amount{0, "KRW"}},
		{"0e999999", "KRW", Amount{0, "KRW"}},
		{"1.234", "BHD", Amount{1234, "BHD"}},
		{"12.99", "", Amount{1299, ""}},
		{"00012.50", "", Amount{1250, ""}},
		{"9223372036854775807", "KRW", Amount{9223372036854775807, "KRW"}},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in, tt.cur)
		require.NoError(t, err, "ParseDecimal(%q, %q)", tt.in, tt.cur)
		require.Equal(t, tt.want, got, "ParseDecimal(%q, %q)", tt.in, tt.cur)
	}
}

func TestParseDecimalErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in, cur string
		want    error
	}{
		{"", "USD", ErrSyntax},
		{".", "USD", ErrSyntax},
		{"abc", "USD", ErrSyntax},
		{"12,900", "KRW", ErrSyntax},
		{"1.2.3", "USD", ErrSyntax},
		{"1e", "USD", ErrSyntax},
		{"1e+", "USD", ErrSyntax},
		{"1ex", "USD", ErrSyntax},
		{"NaN", "USD", ErrSyntax},
		{"-1", "USD", ErrNegative},
		{"12.5", "KRW", ErrPrecision},
		{"0.001", "USD", ErrPrecision},
		{"1e-999999", "USD", ErrPrecision},
		{"9223372036854775807", "USD", ErrRange},
		{"99999999999999999999", "KRW", ErrRange},
		{"1e40", "KRW", ErrRange},
		{"12", "WON", ErrCurrency},
		{"12", "US", ErrCurrency},
	}
	for _, tt := range tests {
		_, err := ParseDecimal(tt.in, tt.cur)
		require.ErrorIs(t, err, tt.want, "ParseDecimal(%q, %q)", tt.in, tt.cur)
		require.Contains(t, err.Error(), tt.in)
	}
}

func TestDecimalRoundTrip(t *testing.T) {
	t.Parallel()

	for _, a := range []Amount{{12900, "KRW"}, {1299, "USD"}, {5, "EUR"}, {1234, "BHD"}, {1, ""}, {0, "JPY"}} {
		got, err := ParseDecimal(a.Decimal(), a.Currency)
		require.NoError(t, err)
		require.Equal(t, a, got)
	}
}
