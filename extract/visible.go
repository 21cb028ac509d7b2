package extract

import (
	"strings"

	"golang.org/x/net/html"
)

// blockedSelector matches bot checks and captcha forms; blocked tries it
// on the elements mayBeBotCheck lets through.
var blockedSelector = selector(`form[action*="captcha"], form[action*="Captcha"], .g-recaptcha, .h-captcha, #captcha, #captchacharacters, ` +
	`#challenge-form, #cf-challenge-running, #challenge-running, #px-captcha, [data-sitekey], iframe[src*="captcha"]`)

var blockedTitles = []string{"captcha", "robot check", "access denied", "attention required", "just a moment",
	"403 forbidden", "error 403", "are you a human", "pardon our interruption", "bot verification", "security check",
	"보안 확인", "자동입력 방지", "접근이 차단", "접근 거부", "request blocked", "too many requests", "503 service unavailable"}

// blocked reports whether the page is a bot check or an HTTP error page.
func (p *page) blocked() bool {
	t := strings.ToLower(p.title)
	for _, w := range blockedTitles {
		if strings.Contains(t, w) {
			return true
		}
	}
	return p.botCheck()
}

// botCheck reports whether an element of the page matches blockedSelector.
func (p *page) botCheck() bool {
	return p.firstElement(func(n *html.Node) bool { return mayBeBotCheck(n.Attr) && blockedSelector.css(n) })
}

// mayBeBotCheck reports whether an element with attrs could match
// blockedSelector: each of its selectors needs a data-sitekey attribute,
// or a class, id, action or src that contains "aptcha" or "hallenge".
func mayBeBotCheck(attrs []html.Attribute) bool {
	for _, a := range attrs {
		switch a.Key {
		case "data-sitekey":
			return true
		case "class", "id", "action", "src":
			if strings.Contains(a.Val, "aptcha") || strings.Contains(a.Val, "hallenge") {
				return true
			}
		}
	}
	return false
}
