package fetch

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/korean"
)

func eucKR(t testing.TB, s string) []byte {
	t.Helper()
	b, err := korean.EUCKR.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

// koreanPage returns a product page whose head is pure ASCII for more than
// 1024 bytes, so the charset cannot be guessed from the first KiB alone.
func koreanPage(meta string) string {
	return `<html><head>` + meta + `<title>shop</title>` +
		`<script>` + strings.Repeat("var a=1;", 200) + `</script></head><body>` +
		`<h1>무선 이어폰 블루투스 5.3</h1><p class="price">정가 12,900원</p>` +
		`<p>` + strings.Repeat("상세 정보 ", 80) + `</p></body></html>`
}

func TestFetchDecodesEUCKR(t *testing.T) {
	t.Parallel()
	env := setup(t)
	const want = "정가 12,900원"
	// 똠 and 햏 exist only in CP949's extension, not in plain EUC-KR.
	cp949Only := koreanPage("") + "<p>똠방각하 햏</p>"

	serve := func(path, contentType string, body []byte) {
		env.mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			_, _ = w.Write(body)
		})
	}
	serve("/header", "text/html; charset=EUC-KR", eucKR(t, koreanPage("")))
	serve("/meta", "text/html", eucKR(t, koreanPage(`<meta charset="euc-kr">`)))
	serve("/meta-http-equiv", "text/html", eucKR(t, koreanPage(`<meta http-equiv="Content-Type" content="text/html; charset=ks_c_5601-1987">`)))
	serve("/undeclared", "text/html", eucKR(t, cp949Only))
	serve("/no-content-type", "", eucKR(t, koreanPage("")))
	serve("/lying-utf8", "text/html; charset=utf-8", eucKR(t, koreanPage("")))
	serve("/utf8-late", "text/html", []byte(koreanPage("")))

	for _, path := range []string{"/header", "/meta", "/meta-http-equiv", "/undeclared", "/no-content-type", "/lying-utf8", "/utf8-late"} {
		res, err := env.fetch(t, path)
		require.NoError(t, err, path)
		require.Contains(t, string(res.Body), want, path)
		require.Contains(t, string(res.Body), "무선 이어폰", path)
		require.NotContains(t, string(res.Body), "\uFFFD", path)
		if path == "/utf8-late" {
			require.Equal(t, "utf-8", res.Charset)
		} else {
			require.Equal(t, "euc-kr", res.Charset, path)
		}
		if path == "/undeclared" {
			require.Contains(t, string(res.Body), "똠방각하 햏", "CP949 extension characters")
		}
	}
}

func TestDecodeBody(t *testing.T) {
	t.Parallel()
	latin1, err := charmap.Windows1252.NewEncoder().Bytes([]byte("<html><body>Crème brûlée 12,90 €</body></html>"))
	require.NoError(t, err)

	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string
		wantCharset string
	}{
		{"utf-8 bom stripped", append([]byte{0xEF, 0xBB, 0xBF}, "<p>정가</p>"...), "text/html", "<p>정가</p>", "utf-8"},
		{"declared windows-1252", latin1, "text/html; charset=windows-1252", "<html><body>Crème brûlée 12,90 €</body></html>", "windows-1252"},
		{"euc-kr plain text", eucKR(t, "정가 12,900원"), "text/plain; charset=euc-kr", "정가 12,900원", "euc-kr"},
		// A saved Market Kurly page (2019) keeps <meta charset="euc-kr"> over
		// UTF-8 bytes; the header that said UTF-8 is lost.
		{"stale euc-kr meta over utf-8", []byte(`<meta charset="euc-kr" /><title>[미자언니네] 양념생깻잎</title>`), "",
			`<meta charset="euc-kr" /><title>[미자언니네] 양념생깻잎</title>`, "utf-8"},
		{"euc-kr meta over euc-kr", eucKR(t, `<meta charset="euc-kr"><p>정가 12,900원</p>`), "",
			`<meta charset="euc-kr"><p>정가 12,900원</p>`, "euc-kr"},
		{"header euc-kr wins", eucKR(t, "<p>정가</p>"), "text/html; charset=euc-kr", "<p>정가</p>", "euc-kr"},
		{"json untouched", []byte(`{"name":"이어폰"}`), "application/json", `{"name":"이어폰"}`, ""},
		{"binary untouched", []byte{0x89, 'P', 'N', 'G', 0xC1, 0xA4}, "image/png", "\x89PNG\xc1\xa4", ""},
		{"empty", nil, "text/html", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, cs := decodeBody(tt.body, tt.contentType)
			require.Equal(t, tt.want, string(got))
			require.Equal(t, tt.wantCharset, cs)
		})
	}
}

func BenchmarkDecodeEUCKR(b *testing.B) {
	body := eucKR(b, koreanPage("")+strings.Repeat("<p>상품 설명 본문입니다.</p>", 5000))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, cs := decodeBody(body, "text/html"); cs != "euc-kr" {
			b.Fatal(cs)
		}
	}
}
