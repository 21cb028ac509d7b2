package extract

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// objectAfter returns the JSON object literal that starts at the first '{'
// after marker in text, matched by brace counting outside strings.
func objectAfter(text, marker string) string {
	i := index(text, marker)
	if i < 0 {
		return ""
	}
	rest := text[i+len(marker):]
	j := strings.IndexByte(rest, '{')
	if j < 0 || strings.TrimSpace(strings.TrimLeft(rest[:j], " \t\r\n=:(")) != "" {
		return ""
	}
	rest = rest[j:]
	depth := 0
	for k := 0; k < len(rest); k++ {
		switch rest[k] {
		case '"':
			// The string ends at the next quote not escaped by an odd
			// run of backslashes.
			for {
				q := strings.IndexByte(rest[k+1:], '"')
				if q < 0 {
					return ""
				}
				k += 1 + q
				n := 0
				for rest[k-1-n] == '\\' {
					n++
				}
				if n%2 == 0 {
					break
				}
			}
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

// index is strings.Index for a marker that starts with a quote, which
// JSON text holds at every other word: it looks for the rest of the
// marker and checks the quote before it.
func index(text, marker string) int {
	if len(marker) < 2 || marker[0] != '"' {
		return strings.Index(text, marker)
	}
	for from := 1; from <= len(text); {
		i := strings.Index(text[from:], marker[1:])
		if i < 0 {
			return -1
		}
		if text[from+i-1] == '"' {
			return from + i - 1
		}
		from += i + 1
	}
	return -1
}

// jsLiterals rewrites the JavaScript literals a state object holds where
// JSON has null, true and false.
var jsLiterals = strings.NewReplacer(":undefined", ":null", ": undefined", ": null", ":!0", ":true", ":!1", ":false")

// decodeObject decodes a JavaScript object literal that is (almost) JSON.
func decodeObject(s string) map[string]any {
	return decodeObjectSkipping(s, nil)
}

// decodeObjectSkipping is decodeObject without the members for which skip
// is true (see decodeAllSkipping); nil skips nothing.
func decodeObjectSkipping(s string, skip func(depth int, key string) bool) map[string]any {
	if s == "" {
		return nil
	}
	for _, attempt := range []func(string) []byte{
		func(s string) []byte { return []byte(s) },
		func(s string) []byte { return repairJSON(jsLiterals.Replace(s)) },
	} {
		vs, err := decodeAllSkipping(attempt(s), skip)
		if err == nil && len(vs) == 1 {
			if m, ok := vs[0].(map[string]any); ok {
				return m
			}
		}
	}
	return nil
}

// findMap returns the first object (depth first) for which match is true.
func findMap(v any, match func(map[string]any) bool, depth int) map[string]any {
	if depth > 12 {
		return nil
	}
	switch t := v.(type) {
	case map[string]any:
		if match(t) {
			return t
		}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			x := t[k]
			if _, ok := x.(map[string]any); !ok {
				if _, ok := x.([]any); !ok {
					continue
				}
			}
			if m := findMap(x, match, depth+1); m != nil {
				return m
			}
		}
	case []any:
		for _, x := range t {
			if m := findMap(x, match, depth+1); m != nil {
				return m
			}
		}
	}
	return nil
}

// findMaps returns up to limit objects (depth first) for which match is
// true.
func findMaps(v any, match func(map[string]any) bool, depth, limit int) []map[string]any {
	var out []map[string]any
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 12 || len(out) >= limit {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			if match(t) {
				out = append(out, t)
			}
			for _, k := range slices.Sorted(maps.Keys(t)) {
				switch t[k].(type) {
				case map[string]any, []any:
					walk(t[k], depth+1)
				}
			}
		case []any:
			for _, x := range t {
				walk(x, depth+1)
			}
		}
	}
	walk(v, depth)
	return out
}

// path follows object keys; it returns nil when any step is missing.
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func has(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// num returns a JSON number value as int64 and whether it was present.
func num(v any) (int64, bool) {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, true
		}
		if f, err := t.Float64(); err == nil {
			return int64(f), true
		}
	case string:
		n := json.Number(strings.TrimSpace(t))
		if i, err := n.Int64(); err == nil {
			return i, true
		}
	}
	return 0, false
}

func truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return strings.EqualFold(t, "true") || t == "Y" || t == "y"
	}
	return false
}

// asMap returns v as an object, or an empty object.
func asMap(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}
