package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParsePriceArguments(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		args    []string
		want    string // JSON line, when no error
		wantErr string
	}{
		{"plain", []string{"12만 9천원"}, `{"amount":"129000","currency":"KRW"}`, ""},
		{"hint", []string{"--currency-hint", "EUR", "12,99"}, `{"amount":"12.99","currency":"EUR"}`, ""},
		{"lower-case hint", []string{"--currency-hint=kwd", "3.250"}, `{"amount":"3.250","currency":"KWD"}`, ""},
		// A negative amount is a discount or refund, never an item's price.
		{"leading dash", []string{"-5,000원"}, `{"amount":null,"currency":null}`, ""},
		{"leading dash after flag", []string{"--currency-hint", "KRW", "-5,000"}, `{"amount":null,"currency":null}`, ""},
		{"double dash", []string{"--", "-5,000원"}, `{"amount":null,"currency":null}`, ""},
		{"double dash then text", []string{"--", "₩12,900"}, `{"amount":"12900","currency":"KRW"}`, ""},
		{"leading decimal point", []string{".5 €"}, `{"amount":"0.50","currency":"EUR"}`, ""},
		{"free", []string{"--currency-hint", "USD", "Free"}, `{"amount":"0.00","currency":"USD","free":true}`, ""},
		{"unknown hint", []string{"--currency-hint", "XYZ", "12.99"}, "", `--currency-hint "XYZ" is not an ISO 4217 currency code`},
		{"word hint", []string{"--currency-hint=dollars", "12.99"}, "", "not an ISO 4217 currency code"},
		{"unknown flag", []string{"--nope", "12.99"}, "", "flag provided but not defined"},
		{"no text", []string{"--currency-hint", "KRW"}, "", "needs TEXT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := cmdParsePrice(tt.args, strings.NewReader(""), &out)
			if tt.wantErr != "" {
				var ue usageError
				require.ErrorAs(t, err, &ue)
				require.Contains(t, err.Error(), tt.wantErr)
				require.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			require.JSONEq(t, tt.want, out.String())
		})
	}
}
