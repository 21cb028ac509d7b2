package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ddokso/ddokso/config"
	"github.com/ddokso/ddokso/extract"
	"github.com/ddokso/ddokso/fetch"
	"github.com/ddokso/ddokso/price"
	"github.com/ddokso/ddokso/search"
	"github.com/ddokso/ddokso/store"
)

func cmdMigrate(ctx context.Context, dir string, stdout io.Writer) error {
	base, err := config.LoadBase()
	if err != nil {
		return err
	}
	if err := store.CreateDatabase(ctx, base.MySQLDSN); err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Config{DSN: base.MySQLDSN, MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	switch dir {
	case "up":
		if err := store.MigrateUp(ctx, db, nil); err != nil {
			return err
		}
		if err := indexProducts(ctx, db); err != nil {
			return err
		}
		return store.MigrateStatus(ctx, db, stdout)
	case "down":
		return store.MigrateDown(ctx, db)
	case "status":
		return store.MigrateStatus(ctx, db, stdout)
	}
	return usageError{fmt.Sprintf("migrate %q: want up, down or status", dir)}
}

func cmdInfraUp(ctx context.Context, stdout io.Writer) error {
	base, err := config.LoadBase()
	if err != nil {
		return err
	}
	a := &app{base: base}
	a.topo = defaultTopology(base.Prefix)
	if a.aws, err = loadAWS(ctx); err != nil {
		return err
	}
	a.clients = newClients(a.aws)
	if err := a.applyTopology(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "topic\t%s\nses-topic\t%s\n", a.res.TopicARN, a.res.SESTopicARN)
	for _, q := range a.topo.Queues {
		ref := a.res.Queues[q.Name]
		fmt.Fprintf(stdout, "queue %s\t%s\ndlq %s\t%s\n", q.Name, ref.URL, q.Name, ref.DLQURL)
	}
	if base.SchedulerRoleARN == "" {
		fmt.Fprintln(stdout, "schedules\tskipped (DDOKSO_SCHEDULER_ROLE_ARN is empty)")
	} else {
		for _, s := range a.topo.Schedules {
			fmt.Fprintf(stdout, "schedule %s\t%s %s\n", a.topo.ScheduleName(s.Name), s.Expression, s.Timezone)
		}
	}
	return nil
}

func cmdExtract(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pageURL := fs.String("url", "", "the page's address, for a FILE (relative links, site adapters)")
	if err := fs.Parse(args); err != nil {
		return usageError{"extract: " + err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"extract needs one FILE or URL"}
	}
	src := fs.Arg(0)
	var body []byte
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		base, err := config.LoadBase()
		if err != nil {
			return err
		}
		f, err := fetch.New(fetch.Config{UserAgent: base.Fetch.UserAgent, AllowLoopback: base.Fetch.AllowLoopback, Ports: base.Fetch.Ports, IgnoreRobots: base.Fetch.IgnoreRobots})
		if err != nil {
			return err
		}
		defer f.Close()
		res, err := f.Fetch(ctx, fetch.Request{URL: src})
		if err != nil {
			return fmt.Errorf("extract %s: %w", src, err)
		}
		if res.Blocked {
			return fmt.Errorf("extract %s: blocked: %s", src, res.BlockReason)
		}
		body = res.Body
		if *pageURL == "" {
			*pageURL = res.FinalURL
		}
	} else {
		raw, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("extract: %w", err)
		}
		body, _ = fetch.DecodeBody(raw, "")
		if *pageURL == "" {
			*pageURL = "https://unknown.invalid/"
		}
	}
	p, err := extract.Extract(*pageURL, body)
	if err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	out, err := p.JSON()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}

func cmdParsePrice(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("parse-price", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	hint := fs.String("currency-hint", "", "ISO 4217 currency assumed when the text names none")
	jsonl := fs.Bool("jsonl", false, `read {"text":...,"currency_hint":...} lines on stdin`)
	if err := fs.Parse(textAfterFlags(args)); err != nil {
		return usageError{"parse-price: " + err.Error()}
	}
	if *hint != "" {
		if _, err := price.CurrencyCode(*hint); err != nil {
			return usageError{fmt.Sprintf("parse-price: --currency-hint %q is not an ISO 4217 currency code (KRW, USD, EUR, ...)", *hint)}
		}
	}
	if *jsonl {
		if fs.NArg() != 0 {
			return usageError{"parse-price --jsonl reads stdin and takes no TEXT"}
		}
		return price.RunJSONL(stdin, stdout)
	}
	if fs.NArg() == 0 {
		return usageError{"parse-price needs TEXT"}
	}
	res := price.ParseResult(strings.Join(fs.Args(), " "), *hint)
	return writeJSONLine(stdout, res)
}

// textAfterFlags inserts "--" before the first argument that starts with '-'
// but is price text rather than a flag ("-5,000원", "-$5", "-.5", "−5"), so
// the flag package does not reject it as an unknown flag. An explicit "--"
// works as usual.
func textAfterFlags(args []string) []string {
	for i, a := range args {
		if a == "--" {
			return args
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		c := a[1]
		if c == '-' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
			continue // --currency-hint, -jsonl, -h
		}
		out := make([]string, 0, len(args)+1)
		out = append(out, args[:i]...)
		out = append(out, "--")
		return append(out, args[i:]...)
	}
	return args
}

func cmdConfig(stdout io.Writer) error {
	if err := config.WriteTable(stdout); err != nil {
		return errors.Join(errors.New("config table"), err)
	}
	return nil
}

// indexProducts gives every product written without search terms (before
// name search existed, or by a tool) its terms.
func indexProducts(ctx context.Context, db *sql.DB) error {
	for {
		n, err := search.Backfill(ctx, db, 500)
		if err != nil || n == 0 {
			return err
		}
	}
}
