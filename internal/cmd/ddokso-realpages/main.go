// Command ddokso-realpages scores ddokso's extraction on the real-page
// corpus (internal/realpages/manifest.json): it reads each saved page from a
// local copy of its repository at the recorded commit, runs the extraction of
// `ddokso extract`, and prints per-field accuracy, the wrong prices, and the
// per-shop tables (Korean shops alone as a second table). Every page's misses
// go to the report file. `make realpages REALPAGES_DIR=DIR` runs it.
//
//	ddokso-realpages [-dir DIR] [-manifest FILE] [-report FILE] [-partial] [-match REGEXP]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"

	"github.com/ddokso/ddokso/internal/realpages"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		slog.Error("realpages", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ddokso-realpages", flag.ContinueOnError)
	dir := fs.String("dir", "/work/.mirror", "folder of copies of the corpus's repositories (owner+name/repo, owner/name or name)")
	manifest := fs.String("manifest", "internal/realpages/manifest.json", "the corpus manifest")
	report := fs.String("report", "build/realpages/report.txt", "per-page diff file")
	partial := fs.Bool("partial", false, "score the pages that can be read when some cannot, instead of failing")
	match := fs.String("match", "", "score only the pages whose id, shop or country matches this regular expression")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := realpages.LoadManifest(*manifest)
	if err != nil {
		return err
	}
	if *match != "" {
		re, err := regexp.Compile(*match)
		if err != nil {
			return fmt.Errorf("-match: %w", err)
		}
		m = m.Select(func(p *realpages.Page) bool {
			return re.MatchString(p.ID) || re.MatchString(p.Shop) || re.MatchString(p.Country)
		})
	}
	score, bad := realpages.Run(ctx, m, realpages.Source{Dir: *dir})
	var out bytes.Buffer
	realpages.WriteReport(&out, score)
	if len(bad) > 0 {
		fmt.Fprintf(&out, "Unreadable pages (%d of %d, not scored):\n", len(bad), len(m.Pages))
		for _, b := range bad {
			fmt.Fprintf(&out, "- %v\n", b.Err)
		}
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*report), 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var rep bytes.Buffer
	rep.Write(out.Bytes())
	fmt.Fprintf(&rep, "\n## Per page\n\n")
	realpages.WriteDiffs(&rep, score)
	if err := os.WriteFile(*report, rep.Bytes(), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(stdout, "per-page report: %s\n", *report)
	if len(bad) > 0 && !*partial {
		return fmt.Errorf("%d of %d pages could not be read from %s (fetch their repositories, or pass -partial)", len(bad), len(m.Pages), *dir)
	}
	return nil
}
