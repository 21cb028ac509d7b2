package fetch

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const cloudflareChallenge = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow">
<style>*{box-sizing:border-box;margin:0;padding:0}html{line-height:1.15}</style></head><body class="no-js">
<div class="main-wrapper" role="main"><div class="main-content"><noscript><div id="challenge-error-title">
<div class="h2"><span class="icon-wrapper"><div class="heading-icon warning-icon"></div></span>
<span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "www.example.co.kr",cType: 'managed',cRay: '8a1b2c3d4e5f6a7b'};
var cpo = document.createElement('script');cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1b2c3d4e5f6a7b';
window._cf_chl_opt.cOgUHash = location.hash;}());</script></body></html>`

const cloudflareAttention = `<!DOCTYPE html><!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<head><title>Attention Required! | Cloudflare</title><meta charset="UTF-8" /></head><body>
<div id="cf-wrapper"><div class="cf-alert cf-alert-error cf-cookie-error" id="cookie-alert" data-translate="enable_cookies">Please enable cookies.</div>
<div id="cf-error-details" class="cf-error-details-wrapper"><div class="cf-wrapper cf-header cf-error-overview">
<h1 data-translate="block_headline">Sorry, you have been blocked</h1><h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable to access</span> example.com</h2>
</div></div></div></body></html>`

const akamaiDenied = `<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>
 
You don't have permission to access "http&#58;&#47;&#47;www&#46;coupang&#46;com&#47;vp&#47;products&#47;123" on this server.<P>
Reference&#32;&#35;18&#46;5a3c1002&#46;1712345678&#46;1a2b3c4d
<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;5a3c1002&#46;1712345678&#46;1a2b3c4d</P>
</BODY>
</HTML>`

const akamaiDeniedPlain = `<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>
You don't have permission to access "/vp/products/123" on this server.<P>
Reference #18.5a3c1002.1712345678.1a2b3c4d
</BODY></HTML>`

const hcaptchaPage = `<!DOCTYPE html><html><head><title>Security check</title>
<script src="https://js.hcaptcha.com/1/api.js" async defer></script></head>
<body><form method="POST"><div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001"></div>
<input type="submit" value="Continue"></form></body></html>`

const recaptchaPage = `<!DOCTYPE html><html><head><title>Are you a human?</title>
<script src="https://www.google.com/recaptcha/api.js"></script></head>
<body><p>Our systems have detected unusual traffic from your computer network.</p>
<form action="/sorry/index" method="post"><div class="g-recaptcha" data-sitekey="6LfwuyUTAAAAAOAmoS0fdqijC2PbbdH4kjq62Y1b"></div></form></body></html>`

const perimeterXPage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Access to this page has been denied.</title></head>
<body><div id="px-captcha"></div><script>window._pxAppId = 'PXabc123';window._pxJsClientSrc = '/abc123/init.js';</script>
<p>Press &amp; Hold to confirm you are a human (and not a bot).</p><script src="https://captcha.px-cdn.net/PXabc123/captcha.js?a=c&m=0"></script></body></html>`

const dataDomePage = `<html><head><title>shop.example.fr</title><style>#cmsg{animation: A 1.5s;}</style></head>
<body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker</p>
<script data-cfasync="false">var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522B61E269B869FA6EAFFB5E1','s':43337,'host':'geo.captcha-delivery.com'}</script>
<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script></body></html>`

const naverAbnormal = `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>네이버</title></head><body>
<div class="error_content"><h2 class="title">쇼핑 서비스 접속이 일시적으로 제한되었습니다.</h2>
<p class="dsc">네이버는 안정적인 쇼핑 서비스 제공하고자 시스템을 통해 아래와 같은 비정상적인 접근이 감지될 경우 해당 네트워크의 접속을 일시적으로 제한하고 있습니다.</p>
<ul><li>상품 구매, 탐색과 무관한 외부 이벤트를 통한 접속</li><li>짧은 시간 내에 너무 많은 요청이 이루어지는 IP</li></ul></div></body></html>`

const naverCaptcha = `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>보안 확인</title></head><body>
<div id="rcpt_form"><h3>보안 확인을 완료해 주세요!</h3><p>이 절차는 자동입력 방지를 위한 것입니다.</p>
<img id="captchaimg" src="/captcha/image?key=abc" alt="보안문자"><input type="text" id="rcpt_answer" placeholder="정답을 입력해주세요">
</div></body></html>`

const robotCheckKo = `<html><head><meta charset="utf-8"><title>접근 확인</title></head><body>
<h1>로봇이 아닙니다</h1><label><input type="checkbox" name="confirm"> 확인을 위해 체크해 주세요</label></body></html>`

// cloudflareBeacon is Cloudflare's JavaScript Detections snippet, which
// Cloudflare injects into every HTML response of a zone that has them
// (always on with the Free plan's Bot Fight Mode; developers.cloudflare.com
// "JavaScript detections": "paths that start with /cdn-cgi/challenge-platform/").
// Its shape, an invisible iframe that loads …/scripts/jsd/main.js, is the
// one in many saved pages in public repositories (a per-request ray id and
// timestamp in __CF$cv$params); the ray id here is made up. Scrapers'
// fixtures also keep the other form, a plain script tag from
// /cdn-cgi/challenge-platform/h/b/scripts/jsd/<hash>/main.js, on product
// pages of Korean shops (a Musinsa page in one of them).
const cloudflareBeacon = `<script>(function(){function c(){var b=a.contentDocument||a.contentWindow.document;if(b){var d=b.createElement('script');` +
	`d.innerHTML="window.__CF$cv$params={r:'8f1e2d3c4b5a6978',t:'MTc2NDkyMzQ1Ni4wMDAwMDA='};var a=document.createElement('script');a.nonce='';` +
	`a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';document.getElementsByTagName('head')[0].appendChild(a);";` +
	`b.getElementsByTagName('head')[0].appendChild(d)}}if(document.body){var a=document.createElement('iframe');a.height=1;a.width=1;` +
	`a.style.position='absolute';a.style.top=0;a.style.left=0;a.style.border='none';a.style.visibility='hidden';document.body.appendChild(a);` +
	`if('loading'!==document.readyState)c();else if(window.addEventListener)document.addEventListener('DOMContentLoaded',c);` +
	`else{var e=document.onreadystatechange||function(){};document.onreadystatechange=function(b){e(b);'loading'!==document.readyState&&` +
	`(document.onreadystatechange=e,c())}}}})();</script>`

// cloudflareScriptTag is the script-tag form of the same detections.
const cloudflareScriptTag = `<script src="/cdn-cgi/challenge-platform/h/b/scripts/jsd/25e6c66701a0/main.js"></script>`

// shopAlertScript is the kind of inline script Korean shops' pages carry
// (public projects' code has alert("비정상적인 접근입니다.") on login and
// session checks).
const shopAlertScript = `<script>function checkLogin(){if(!window.sessionStorage.id){alert("비정상적인 접근입니다.");location.href="/member/login";}}</script>`

// shopCaptchaScript quotes reCAPTCHA's Korean checkbox label, as sign-up
// and Q&A forms in public projects do.
const shopCaptchaScript = `<script>function submitQna(f){if(!grecaptchaToken){alert("자동입력방지 기능 - '로봇이 아닙니다.'를 체크해주세요.");return false;}return true;}</script>`

// smallOrdinaryPage is a complete, ordinary page of about 170 bytes.
const smallOrdinaryPage = `<!doctype html><html><head><title>About us</title></head><body><h1>About us</h1><p>We are a small shop in Seoul. Call us any weekday from 9 to 6, or write to us.</p></body></html>`

func TestDetectBlock(t *testing.T) {
	t.Parallel()
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	bigPage := []byte(productPage + strings.Repeat("<p>상품 정보</p>", 4000))
	pageWithLoginCaptcha := []byte(strings.Replace(string(bigPage), "<body>",
		`<body><form id="login"><div class="g-recaptcha" data-sitekey="x"></div><label>보안문자 입력</label></form>`, 1))

	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		wantBlock  bool
		wantReason string
	}{
		{"normal product page", 200, html, productPage, false, ""},
		// Cloudflare's JavaScript Detections on an ordinary page: no block.
		{"product page with cloudflare's detections", 200, html, strings.Replace(productPage, "</body>", cloudflareBeacon+"</body>", 1), false, ""},
		{"product page with cloudflare's detections tag", 200, html, strings.Replace(productPage, "</head>", cloudflareScriptTag+"</head>", 1), false, ""},
		{"big page with cloudflare's detections", 200, html, strings.Replace(string(bigPage), "</body>", cloudflareBeacon+"</body>", 1), false, ""},
		{"challenge page with cloudflare's detections", 403, html, strings.Replace(cloudflareChallenge, "</body>", cloudflareBeacon+"</body>", 1), true, "captcha: cloudflare challenge"},
		{"challenge script alone", 200, html, `<html><body><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/managed/v1?ray=8f1e2d3c4b5a6978"></script></body></html>`, true, "captcha: cloudflare challenge"},
		{"big page with login recaptcha", 200, html, string(pageWithLoginCaptcha), false, ""},
		{"429", 429, http.Header{}, "Too Many Requests", true, "http 429"},
		{"429 with retry-after", 429, http.Header{"Retry-After": {"30"}}, "", true, "http 429 (retry-after 30)"},
		{"plain 403", 403, html, "<html><body><h1>403 Forbidden</h1></body></html>", true, "http 403"},
		{"403 cloudflare attention", 403, html, cloudflareAttention, true, "blocked: cloudflare"},
		{"503 cloudflare challenge", 503, html, cloudflareChallenge, true, "captcha: cloudflare challenge"},
		{"cf-mitigated header", 403, http.Header{"Cf-Mitigated": {"challenge"}}, "", true, "captcha: cloudflare challenge"},
		{"503 without markers is transient", 503, html, "<html><body>Service Unavailable - back soon " + strings.Repeat(".", 600) + "</body></html>", false, ""},
		{"akamai access denied", 403, html, akamaiDenied, true, "blocked: akamai access denied"},
		{"akamai access denied plain reference", 403, html, akamaiDeniedPlain, true, "blocked: akamai access denied"},
		{"hcaptcha", 200, html, hcaptchaPage, true, "captcha: hcaptcha"},
		{"recaptcha on 429-less 200", 200, html, recaptchaPage, true, "captcha: recaptcha"},
		{"perimeterx", 403, html, perimeterXPage, true, "captcha: perimeterx"},
		{"datadome", 403, html, dataDomePage, true, "captcha: datadome"},
		{"naver abnormal access", 200, html, naverAbnormal, true, "blocked: 비정상적인 접근"},
		{"naver abnormal access in a big page", 200, html, naverAbnormal + strings.Repeat("<!-- -->", 8000), true, "blocked: 비정상적인 접근"},
		// Korean shops' own scripts say it: no block on an ordinary page.
		{"big page with an abnormal-access alert", 200, html, strings.Replace(string(bigPage), "</body>", shopAlertScript+"</body>", 1), false, ""},
		{"small page with only the phrase, 403", 403, html, "<html><body><p>비정상적인 접근입니다.</p></body></html>", true, "blocked: 비정상적인 접근"},
		{"big page with a robot-check alert", 200, html, strings.Replace(string(bigPage), "</body>", shopCaptchaScript+"</body>", 1), false, ""},
		{"naver captcha", 200, html, naverCaptcha, true, "captcha: 자동입력 방지"},
		{"robot check korean", 200, html, robotCheckKo, true, "captcha: 로봇이 아닙니다"},
		// A small page is no block signal: a short ordinary page is a page.
		{"small ordinary page", 200, html, smallOrdinaryPage, false, ""},
		{"tiny html", 200, html, "<html><body>ok</body></html>", false, ""},
		{"empty html", 200, html, "", false, ""},
		{"tiny sniffed html", 200, http.Header{}, "<!DOCTYPE html><html><body>wait</body></html>", false, ""},
		{"small page with a captcha widget", 200, html, `<html><body><div class="g-recaptcha"></div></body></html>`, true, "captcha: recaptcha"},
		{"429 challenge page", 429, html, cloudflareChallenge, true, "http 429"},
		{"503 datadome", 503, html, dataDomePage, true, "captcha: datadome"},
		{"tiny json is fine", 200, http.Header{"Content-Type": {"application/json"}}, `{"price":12900}`, false, ""},
		{"304", 304, http.Header{}, "", false, ""},
		{"redirect", 302, http.Header{"Location": {"/x"}}, "", false, ""},
		{"404 is not a block", 404, html, "<html><body>Not found</body></html>", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			blocked, reason := DetectBlock(tt.status, tt.header, []byte(tt.body))
			require.Equal(t, tt.wantBlock, blocked, reason)
			require.Equal(t, tt.wantReason, reason)
		})
	}
}

func FuzzDetectBlock(f *testing.F) {
	for _, s := range []string{cloudflareChallenge, akamaiDenied, naverCaptcha, productPage, "", "\xff\xfe<html>"} {
		f.Add(200, "text/html", []byte(s))
		f.Add(403, "", []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		h := http.Header{}
		h.Set("Content-Type", contentType)
		blocked, reason := DetectBlock(status, h, body)
		if blocked != (reason != "") {
			t.Fatalf("blocked=%v but reason=%q", blocked, reason)
		}
	})
}

func BenchmarkDetectBlock(b *testing.B) {
	page := []byte(productPage + strings.Repeat("<div class=\"item\">상품 정보 Product info</div>", 5000)) // ~250 KB
	h := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if blocked, reason := DetectBlock(200, h, page); blocked {
			b.Fatal(reason)
		}
	}
}
