package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// refDecodeAll is what decodeAll must equal: a json.Decoder loop with
// UseNumber.
func refDecodeAll(b []byte) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}

var jsonSeeds = []string{
	``, ` `, `{}`, `[]`, `{"a":1}{"b":[1,2.5e-3,-0,true,false,null]}`, `1 2`, `1x`, `truex`, `true{}`, `01`, `-01`, `1.`, `1.x`,
	`-`, `1e`, `1e+`, `1E+5`, `1e5.3`, `[01]`, `[1,]`, `{"a":1,}`, `{"a" : [ {} , [ ] ] }`, `{"a":1,"a":2}`, `{a:1}`,
	`"\u00e9\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\udc00\ud800"`, `"\x"`, `"\u12"`, `"\u12g4"`,
	"\"a\x01\"", "\"\xff\xfe ok \xed\xa0\x80\"", "\"caf\xc3\xa9\"", `"\/\b\f\n\r\t\"\\"`, `nul`, `nulll`, `[1 2]`, `{"a"}`,
	`{"a":}`, `{"a":1 "b":2}`, "\t\r\n{}\f", `[[[[[[[[[[]]]]]]]]]]`, `"unterminated`, `{"a":"b"`, `[`, `{`, `]`, `}`,
	`"` + "\u2028" + `"`, "\"01234567\x1f89\"", "\"0123456789abcdef\x7f\x80\"", "\"0123456789abcde\x00\"", "\"abcdefgh\xc3\xa9ijklmnop\"",
	"\"abcdefgh ijklmnop\x20\x19\"", "\"abcdefghijklmnop\\\"q\"", `{"product":{"A":{"detailContents":"\\"\\u00e9x","name":"a"}},"other":[1,{"x":"\\\\"}]}`, `{"other":[1,{"x":"\\q"}]}`, `{"b":"\\\"", "d":[-]}`, `123456789012345678901234567890`, `-0.0e-0`, `[-]`, `[.5]`, `[+1]`,
}

func TestDecodeAllMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	inputs := append([]string(nil), jsonSeeds...)
	script := regexp.MustCompile(`(?s)<script[^>]*>(.*?)</script>`)
	for _, tp := range testPages {
		for _, m := range script.FindAllSubmatch(readPage(t, tp.file), -1) {
			inputs = append(inputs, string(m[1]), string(repairJSON(string(m[1]))))
			if o := objectAfter(string(m[1]), "__PRELOADED_STATE__"); o != "" {
				inputs = append(inputs, o)
			}
		}
	}
	inputs = append(inputs, string(bytes.Repeat([]byte("["), maxJSONDepth))+string(bytes.Repeat([]byte("]"), maxJSONDepth)),
		string(bytes.Repeat([]byte("["), maxJSONDepth+1))+string(bytes.Repeat([]byte("]"), maxJSONDepth+1)))
	for _, in := range inputs {
		checkDecodeAll(t, []byte(in))
	}
}

func checkDecodeAll(t *testing.T, b []byte) {
	t.Helper()
	want, wantErr := refDecodeAll(b)
	got, gotErr := decodeAll(b)
	require.Equal(t, wantErr != nil, gotErr != nil, "error for %q: %v / %v", b, wantErr, gotErr)
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("decodeAll(%q) = %#v, encoding/json gives %#v", b, got, want)
	}
	// Skipping checks what it skips as strictly and drops only that.
	for _, skip := range []func(int, string) bool{naverSkip, func(_ int, k string) bool { return k != "" && k[0]%2 == 0 }} {
		got, gotErr := decodeAllSkipping(b, skip)
		require.Equal(t, wantErr != nil, gotErr != nil, "skipping: error for %q: %v / %v", b, wantErr, gotErr)
		var stripped []any
		for _, v := range want {
			stripped = append(stripped, stripSkipped(v, 0, skip))
		}
		if !reflect.DeepEqual(stripped, got) {
			t.Fatalf("decodeAllSkipping(%q) = %#v, want %#v", b, got, stripped)
		}
	}
}

// stripSkipped removes from v, a value depth containers deep, the object
// members skip names.
func stripSkipped(v any, depth int, skip func(int, string) bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if !skip(depth+1, k) {
				out[k] = stripSkipped(x, depth+1, skip)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = stripSkipped(x, depth+1, skip)
		}
		return out
	}
	return v
}

func FuzzDecodeAll(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecodeAll(t, b)
	})
}

// refObjectAfter is objectAfter as it was, scanning byte by byte.
func refObjectAfter(text, marker string) string {
	i := strings.Index(text, marker)
	if i < 0 {
		return ""
	}
	rest := text[i+len(marker):]
	j := strings.IndexByte(rest, '{')
	if j < 0 || strings.TrimSpace(strings.TrimLeft(rest[:j], " \t\r\n=:(")) != "" {
		return ""
	}
	rest = rest[j:]
	depth, inStr := 0, false
	for k := 0; k < len(rest); k++ {
		c := rest[k]
		if inStr {
			switch c {
			case '\\':
				k++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return rest[:k+1]
			}
		}
	}
	return ""
}

var objectSeeds = []string{
	`x={"a":"}","b":{"c":"\\\"}"}} tail`, `"m":{"a":"\\"}`, `"m":{"a":"\\\\"}}`, `"m" : {"a":"x\"}"}`, `"m"{}`,
	`""m":{}`, `"m":"m":{"a":1}`, `m={"a":"\`, `"m":{`, `"m": ( {"a":[{"b":"}"}]} )`, `x"m":{} "m":{"k":1}`, `"m":`,
}

func TestObjectAfterMatchesByteScan(t *testing.T) {
	t.Parallel()
	for _, in := range objectSeeds {
		for _, marker := range []string{`"m":`, "m", `"m"`, "x="} {
			require.Equal(t, refObjectAfter(in, marker), objectAfter(in, marker), "%q after %q", in, marker)
		}
	}
	for _, tp := range testPages {
		page := string(readPage(t, tp.file))
		for _, marker := range []string{"__PRELOADED_STATE__", `"simpleProductForDetailPage":`, `"product":`, `"A":`, "__NEXT_DATA__"} {
			require.Equal(t, refObjectAfter(page, marker), objectAfter(page, marker), "%s after %q", tp.file, marker)
		}
	}
}

func FuzzObjectAfter(f *testing.F) {
	for _, s := range objectSeeds {
		f.Add(s, `"m":`)
	}
	f.Fuzz(func(t *testing.T, text, marker string) {
		if got, want := objectAfter(text, marker), refObjectAfter(text, marker); got != want {
			t.Fatalf("objectAfter(%q, %q) = %q, want %q", text, marker, got, want)
		}
	})
}
