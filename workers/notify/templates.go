package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
)

// alertView is what the alert templates render.
type alertView struct {
	Locale         string
	Rule           string
	Title          string
	VariantName    string
	Image          string
	ProductURL     string
	UnsubscribeURL string
	Old            string
	New            string
	AllTimeLow     string
	Discount       int
	IsAllTimeLow   bool
	BackInStock    bool
}

// digestView is what the digest templates render.
type digestView struct {
	Locale         string
	Day            string
	Held           []alertView
	Drops          []dropView
	UnsubscribeURL string
}

type dropView struct {
	Title      string
	ProductURL string
	Drop       string
	Now        string
}

var msgs = map[string]map[string]string{
	"ko": {
		"drop":      "[똑소] %s 가격이 %s으로 내렸어요",
		"rise":      "[똑소] %s 가격이 %s으로 올랐어요",
		"atl":       "[똑소] %s 역대 최저가 %s이에요",
		"stock":     "[똑소] %s 다시 입고됐어요",
		"digest":    "[똑소] %s 오늘의 가격 알림 모음",
		"push_drop": "%s → %s",
	},
	"en": {
		"drop":      "[ddokso] %s dropped to %s",
		"rise":      "[ddokso] %s rose to %s",
		"atl":       "[ddokso] %s hit an all-time low of %s",
		"stock":     "[ddokso] %s is back in stock",
		"digest":    "[ddokso] Your price alerts for %s",
		"push_drop": "%s → %s",
	},
}

func lang(locale string) string {
	if len(locale) >= 2 && locale[:2] == "en" {
		return "en"
	}
	return "ko"
}

func (v alertView) subject() string {
	m := msgs[lang(v.Locale)]
	switch {
	case v.BackInStock:
		return fmt.Sprintf(m["stock"], v.Title)
	case v.Rule == RuleRise:
		return fmt.Sprintf(m["rise"], v.Title, v.New)
	case v.Rule == RuleAllTimeLow:
		return fmt.Sprintf(m["atl"], v.Title, v.New)
	default:
		return fmt.Sprintf(m["drop"], v.Title, v.New)
	}
}

const alertText = `{{if .BackInStock}}{{.Title}}{{if .VariantName}} ({{.VariantName}}){{end}}: {{if eq .Locale "en"}}back in stock{{else}}다시 입고됐어요{{end}}{{if .New}} — {{.New}}{{end}}
{{else}}{{.Title}}{{if .VariantName}} ({{.VariantName}}){{end}}
{{if .Old}}{{.Old}} → {{end}}{{.New}}{{if .Discount}} (-{{.Discount}}%){{end}}
{{if .IsAllTimeLow}}{{if eq .Locale "en"}}All-time low!{{else}}역대 최저가예요!{{end}}
{{else if .AllTimeLow}}{{if eq .Locale "en"}}All-time low{{else}}역대 최저가{{end}}: {{.AllTimeLow}}
{{end}}{{end}}
{{.ProductURL}}

{{if eq .Locale "en"}}Stop these alerts{{else}}이 알림 그만 받기{{end}}: {{.UnsubscribeURL}}
`

const alertHTML = `<!doctype html>
<html lang="{{.Locale}}"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:sans-serif;max-width:560px;margin:auto">
{{if .Image}}<p><a href="{{.ProductURL}}"><img src="{{.Image}}" alt="{{.Title}}" width="240" style="max-width:100%"></a></p>{{end}}
<h1 style="font-size:18px"><a href="{{.ProductURL}}">{{.Title}}</a>{{if .VariantName}} <small>({{.VariantName}})</small>{{end}}</h1>
{{if .BackInStock}}<p><strong>{{if eq .Locale "en"}}Back in stock{{else}}다시 입고됐어요{{end}}</strong>{{if .New}} — {{.New}}{{end}}</p>
{{else}}<p style="font-size:20px">{{if .Old}}<s>{{.Old}}</s> → {{end}}<strong>{{.New}}</strong>{{if .Discount}} <span style="color:#d33">-{{.Discount}}%</span>{{end}}</p>
{{if .IsAllTimeLow}}<p><strong>{{if eq .Locale "en"}}All-time low!{{else}}역대 최저가예요!{{end}}</strong></p>
{{else if .AllTimeLow}}<p>{{if eq .Locale "en"}}All-time low{{else}}역대 최저가{{end}}: {{.AllTimeLow}}</p>{{end}}{{end}}
<p><a href="{{.ProductURL}}">{{if eq .Locale "en"}}See the product{{else}}상품 보러 가기{{end}}</a></p>
<hr><p style="font-size:12px;color:#888"><a href="{{.UnsubscribeURL}}">{{if eq .Locale "en"}}Stop these alerts{{else}}이 알림 그만 받기{{end}}</a></p>
</body></html>
`

const digestText = `{{if eq .Locale "en"}}Alerts held back today ({{.Day}}){{else}}오늘({{.Day}}) 알림 한도를 넘어 모아 둔 알림{{end}}:
{{range .Held}}- {{.Title}}: {{if .Old}}{{.Old}} → {{end}}{{.New}}{{if .Discount}} (-{{.Discount}}%){{end}} {{.ProductURL}}
{{else}}-
{{end}}
{{if eq .Locale "en"}}Biggest drops on your watches{{else}}관심 상품 오늘의 최대 하락{{end}}:
{{range .Drops}}- {{.Title}}: -{{.Drop}} → {{.Now}} {{.ProductURL}}
{{else}}-
{{end}}`

const digestHTML = `<!doctype html>
<html lang="{{.Locale}}"><head><meta charset="utf-8"></head>
<body style="font-family:sans-serif;max-width:560px;margin:auto">
<h1 style="font-size:18px">{{if eq .Locale "en"}}Alerts held back today ({{.Day}}){{else}}오늘({{.Day}}) 알림 한도를 넘어 모아 둔 알림{{end}}</h1>
<ul>{{range .Held}}<li><a href="{{.ProductURL}}">{{.Title}}</a>: {{if .Old}}<s>{{.Old}}</s> → {{end}}<strong>{{.New}}</strong>{{if .Discount}} -{{.Discount}}%{{end}}</li>{{end}}</ul>
<h2 style="font-size:16px">{{if eq .Locale "en"}}Biggest drops on your watches{{else}}관심 상품 오늘의 최대 하락{{end}}</h2>
<ul>{{range .Drops}}<li><a href="{{.ProductURL}}">{{.Title}}</a>: -{{.Drop}} → <strong>{{.Now}}</strong></li>{{end}}</ul>
</body></html>
`

var (
	alertTextT  = texttemplate.Must(texttemplate.New("alert.txt").Parse(alertText))
	alertHTMLT  = htmltemplate.Must(htmltemplate.New("alert.html").Parse(alertHTML))
	digestTextT = texttemplate.Must(texttemplate.New("digest.txt").Parse(digestText))
	digestHTMLT = htmltemplate.Must(htmltemplate.New("digest.html").Parse(digestHTML))
)

func render(text *texttemplate.Template, html *htmltemplate.Template, data any) (string, string, error) {
	var tb, hb bytes.Buffer
	if err := text.Execute(&tb, data); err != nil {
		return "", "", fmt.Errorf("render %s: %w", text.Name(), err)
	}
	if err := html.Execute(&hb, data); err != nil {
		return "", "", fmt.Errorf("render %s: %w", html.Name(), err)
	}
	return tb.String(), hb.String(), nil
}
