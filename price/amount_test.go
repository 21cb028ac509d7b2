package price

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAmountDecimal(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in   Amount
		want string
	}{
		{Amount{12900, "KRW"}, "12900"},
		{Amount{1299, "USD"}, "12.99"},
		{Amount{1200, "USD"}, "12.00"},
		{Amount{123456, "EUR"}, "1234.56"},
		{Amount{5, "USD"}, "0.05"},
		{Amount{0, "USD"}, "0.00"},
		{Amount{0, "KRW"}, "0"},
		{Amount{1234, "BHD"}, "1.234"},
		{Amount{1299, ""}, "12.99"},
		{Amount{-1299, "USD"}, "-12.99"},
		{Amount{math.MinInt64, "USD"}, "-92233720368547758.08"},
		{Amount{math.MaxInt64, "KRW"}, "9223372036854775807"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.in.Decimal(), "%#v", tt.in)
	}
	require.Equal(t, "12.99 USD", Amount{1299, "USD"}.String())
	require.Equal(t, "12.99", Amount{1299, ""}.String())
}

func TestExponent(t *testing.T) {
	t.Parallel()

	tests := map[string]int{
		"KRW": 0, "krw": 0, "JPY": 0, "VND": 0, "CLP": 0,
		"USD": 2, "EUR": 2, "GBP": 2, "CHF": 2,
		"BHD": 3, "KWD": 3, "TND": 3,
		"CLF": 4,
		"":    2, "ZZZ": 2, "dollar": 2,
	}
	for code, want := range tests {
		require.Equal(t, want, Exponent(code), code)
	}
}
