package notify_test

import (
	"fmt"

	"github.com/ddokso/ddokso/workers/notify"
)

func ExampleFormatPrice() {
	fmt.Println(notify.FormatPrice(249000, "KRW", "ko"))
	fmt.Println(notify.FormatPrice(249000, "KRW", "en"))
	fmt.Println(notify.FormatPrice(1299, "USD", "en"))
	// Output:
	// 249,000원
	// ₩249,000
	// 12.99 USD
}

func ExampleSignUnsubscribe() {
	token := notify.SignUnsubscribe("secret", 42, "user-1")
	watchID, userID, err := notify.VerifyUnsubscribe("secret", token)
	fmt.Println(watchID, userID, err)
	_, _, err = notify.VerifyUnsubscribe("another secret", token)
	fmt.Println(err)
	// Output:
	// 42 user-1 <nil>
	// unsubscribe token: bad signature
}
