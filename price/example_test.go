package price_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/ddokso/ddokso/price"
)

func ExampleParse() {
	for _, text := range []string{"₩12,900", "23% 9,900원", "12만 9천원", "1.234,56 €", "US$12.99", "가격문의"} {
		a, ok := price.Parse(text, "")
		fmt.Println(text, "=>", a.Decimal(), a.Currency, ok)
	}
	// Output:
	// ₩12,900 => 12900 KRW true
	// 23% 9,900원 => 9900 KRW true
	// 12만 9천원 => 129000 KRW true
	// 1.234,56 € => 1234.56 EUR true
	// US$12.99 => 12.99 USD true
	// 가격문의 => 0.00  false
}

func ExampleParse_hint() {
	a, _ := price.Parse("12,99", "EUR")
	fmt.Println(a.Minor, a.Currency)
	// Output: 1299 EUR
}

func ExampleParseDecimal() {
	a, err := price.ParseDecimal("2879.2", "USD")
	fmt.Println(a.Minor, a.Decimal(), err)
	// Output: 287920 2879.20 <nil>
}

func ExampleRunJSONL() {
	in := strings.NewReader(`{"text":"₩12,900"}` + "\n" + `{"text":"품절"}` + "\n" + `oops` + "\n")
	if err := price.RunJSONL(in, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"amount":"12900","currency":"KRW"}
	// {"amount":null,"currency":null}
	// {"amount":null,"currency":null,"error":"invalid JSON: invalid character 'o' looking for beginning of value"}
}
