package extract

import (
	"strings"
)

// blockedSelector matches bot checks and captcha forms.
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
	return len(p.findSel(blockedSelector)) > 0
}
