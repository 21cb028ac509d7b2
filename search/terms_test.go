package search

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTerms(t *testing.T) {
	t.Parallel()
	got := Terms("똑소 러닝화 에어 42", "DDOKSO")
	for term, w := range map[string]int{
		"똑소": weightTitleGram, "러닝": weightTitleGram, "닝화": weightTitleGram, "에어": weightTitleGram, "42": weightTitleGram,
		"=러닝화": weightTitleWord, "=42": weightTitleWord,
		"dd": weightBrandGram, "ok": weightBrandGram, "=ddokso": weightBrandWord,
	} {
		require.Equal(t, w, got[term], term)
	}
	// A gram in the title and the brand gets both weights.
	require.Equal(t, weightTitleGram+weightBrandGram, Terms("Air Max", "air")["ai"])
	// Full-width and upper-case forms fold to the same terms.
	require.Equal(t, Terms("nike air", ""), Terms("ＮＩＫＥ AIR", ""))
	require.Empty(t, Terms("", ""))
	require.Empty(t, Terms("— !!", ""))
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		q     string
		grams []string
		words []string
	}{
		{"러닝화", []string{"러닝", "닝화"}, []string{"=러닝화"}},
		{"  Air  max ", []string{"ai", "ir", "ma", "ax"}, []string{"=air", "=max"}},
		{"AIR air", []string{"ai", "ir"}, []string{"=air"}},
		{"a", []string{"a"}, []string{"=a"}},
		{"%_'", nil, nil},
	} {
		q := ParseQuery(c.q)
		require.Equal(t, c.grams, q.Grams, c.q)
		require.Equal(t, c.words, q.Words, c.q)
		require.Equal(t, len(c.grams) == 0, q.Empty())
	}
	long := ParseQuery("a1 b2 c3 d4 e5 f6 g7 h8 i9 j10")
	require.Len(t, long.Words, maxQueryWords)
}
