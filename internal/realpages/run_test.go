package realpages

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// setup makes a git repository owner+name/repo under a temporary folder (the
// layout fetch leaves) whose first commit holds a page written here, and
// whose second commit changes that page; it returns the folder and both
// commits.
func setup(t *testing.T) (dir, first, second string) {
	t.Helper()
	dir = t.TempDir()
	work := filepath.Join(t.TempDir(), "work")
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", work, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	require.NoError(t, os.MkdirAll(work, 0o755))
	git("init", "-q")
	page := func(price string) {
		html := `<html><head><title>Blue Mug</title><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Blue Mug",` +
			`"offers":{"@type":"Offer","price":"` + price + `","priceCurrency":"EUR","availability":"https://schema.org/InStock"}}</script></head>` +
			`<body><h1>Blue Mug</h1><p>` + price + ` €</p><button>Add to cart</button></body></html>`
		require.NoError(t, os.MkdirAll(filepath.Join(work, "fixtures"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(work, "fixtures", "mug.html"), []byte(html), 0o644))
		git("add", ".")
		git("commit", "-q", "-m", "page")
	}
	page("12.90")
	first = git("rev-parse", "HEAD")
	page("14.50")
	second = git("rev-parse", "HEAD")
	out, err := exec.Command("git", "clone", "-q", "--bare", work, filepath.Join(dir, "shop+fixtures", "repo")).CombinedOutput()
	require.NoError(t, err, string(out))
	return dir, first, second
}

func TestRunReadsEachPageAtItsCommit(t *testing.T) {
	t.Parallel()
	dir, first, second := setup(t)
	page := func(id, commit string) Page {
		return Page{ID: id, Repo: "shop/fixtures", Path: "fixtures/mug.html", Commit: commit, URL: "https://mugs.example/p/1",
			Shop: "mugs.example", Country: "DE", Kind: KindProduct,
			Want: Annotation{Title: "Blue Mug", Price: "12.90", Currency: "EUR", Availability: InStock}}
	}
	m := &Manifest{Pages: []Page{
		page("old", first),
		page("new", second),
		{ID: "gone", Repo: "shop/missing", Path: "x.html", Commit: first, URL: "https://mugs.example/", Shop: "mugs.example", Country: "DE", Kind: KindNonProduct},
	}}
	require.NoError(t, m.Validate())
	s, bad := Run(context.Background(), m, Source{Dir: dir})
	require.Len(t, bad, 1)
	require.Equal(t, "gone", bad[0].Page.ID)
	require.Len(t, s.Results, 2)
	require.Equal(t, Right, s.Results[0].Price, "the first commit shows 12.90: %+v", s.Results[0].Got)
	require.Equal(t, Wrong, s.Results[1].Price, "the second commit shows 14.50, not the annotated 12.90")
	require.True(t, s.Results[1].WrongPrice)
	require.Equal(t, "14.50", s.Results[1].Got.Price)

	var rep strings.Builder
	WriteReport(&rep, s)
	require.Contains(t, rep.String(), "- new (mugs.example): got 14.50 EUR, a person sees 12.90 EUR")
	var diffs strings.Builder
	WriteDiffs(&diffs, s)
	require.Contains(t, diffs.String(), "== ok [product] old")
	require.Contains(t, diffs.String(), `price: want "12.90" EUR, got "14.50" EUR`)
}

func TestGitDirLayouts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, p := range []string{"a+one/repo/objects", "b/two/.git", "three/objects"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, p), 0o755))
	}
	for _, p := range []string{"a+one/repo/HEAD", "three/HEAD"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte("ref: refs/heads/main\n"), 0o644))
	}
	src := Source{Dir: dir}
	for repo, want := range map[string]string{
		"a/one":   filepath.Join(dir, "a+one", "repo"),
		"b/two":   filepath.Join(dir, "b", "two", ".git"),
		"c/three": filepath.Join(dir, "three"),
	} {
		got, err := src.GitDir(repo)
		require.NoError(t, err, repo)
		require.Equal(t, want, got, repo)
	}
	_, err := src.GitDir("d/four")
	require.ErrorContains(t, err, "no copy of d/four")
}

func TestCommittedManifestIsValid(t *testing.T) {
	t.Parallel()
	m, err := LoadManifest("manifest.json")
	require.NoError(t, err)
	require.NotEmpty(t, m.Pages)
}
