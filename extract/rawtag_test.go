package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// checkRawTags tokenizes page and, for every tag rawStartTag or rawTagName
// calls plain, requires the tokenizer's own name and attributes. It returns
// how many start tags were plain.
func checkRawTags(t testing.TB, page []byte) (plainTags int) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return plainTags
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := bytes.Clone(z.Raw())
			name, attrs, plain := rawStartTag(raw, nil)
			want, more := z.TagName()
			var wantAttrs []rawAttr
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				wantAttrs = append(wantAttrs, rawAttr{bytes.Clone(k), bytes.Clone(v)})
			}
			if !plain {
				continue
			}
			plainTags++
			require.Equal(t, string(want), string(name), "name of %q", raw)
			require.Equal(t, len(wantAttrs), len(attrs), "attributes of %q", raw)
			for i := range attrs {
				require.Equal(t, string(wantAttrs[i].key), string(attrs[i].key), "attribute %d of %q", i, raw)
				require.Equal(t, string(wantAttrs[i].val), string(attrs[i].val), "attribute %d of %q", i, raw)
			}
		case html.EndTagToken:
			raw := bytes.Clone(z.Raw())
			name, _ := rawTagName(raw, 2)
			want, _ := z.TagName()
			if plainName(name) {
				require.Equal(t, string(want), string(name), "end tag %q", raw)
			}
		}
	}
}

var rawTagSeeds = []string{
	`<div class="a b" id=x data-v='q"r' hidden>`,
	`<img src=/a.jpg alt = "x" / >`, `<p a=/>`, `<br/>`, `<a href=x/>`,
	`<x =a b==c d= e f="g"h i='j'>`, `<x a="b" a="c" A="d">`, `<x a b c>`, `<x / a / b>`,
	`<x a="&amp;">`, "<x a=\"b\rc\">", "<x a\x00b=c>", `<DIV Class=x>`, `<x a="unterminated>`,
	`<x a=b>text</x >`, `</x a=b>`, `<x	a=b	>`, `<x a=">" b>`, `<x a='>'>`,
}

func TestRawTagMatchesTokenizer(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.html"))
	require.NoError(t, err)
	plain := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		plain += checkRawTags(t, b)
	}
	require.Greater(t, plain, 1000, "most testdata tags are plain")
	for _, s := range rawTagSeeds {
		checkRawTags(t, []byte(s))
	}
}

func FuzzRawTag(f *testing.F) {
	for _, s := range rawTagSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, page []byte) {
		checkRawTags(t, page)
	})
}
