// Command ddokso is the single binary of the ddokso price tracker: the API,
// every queue worker, the outbox relay, migrations, infrastructure set-up
// and operator tools, as subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `ddokso — price tracking backend

Usage:
  ddokso run                         all-in-one: migrate, infra up, API, every worker, relay, local scheduler
  ddokso api                         the HTTP API
  ddokso worker scrap|notify|batch…  one or several queue workers
  ddokso relay                       the outbox relay
  ddokso migrate up|down|status      database migrations
  ddokso infra up                    create or update the topic, queues, subscriptions and schedules
  ddokso extract [--url URL] FILE|URL  print the product extracted from a page as JSON
  ddokso parse-price [--currency-hint C] TEXT | --jsonl
  ddokso config                      print every environment variable as a Markdown table
  ddokso dev shop|set-price|set-stock|token|mail   local try-out helpers (ddokso dev help)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := dispatch(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "ddokso: %v\n\n%s", err, usage)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "ddokso: %v\n", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx)
	case "api":
		return cmdAPI(ctx)
	case "worker":
		if len(rest) == 0 {
			return usageError{"worker needs at least one of scrap, notify, batch"}
		}
		return cmdWorker(ctx, rest)
	case "relay":
		return cmdRelay(ctx)
	case "migrate":
		if len(rest) != 1 {
			return usageError{"migrate needs up, down or status"}
		}
		return cmdMigrate(ctx, rest[0], stdout)
	case "infra":
		if len(rest) != 1 || rest[0] != "up" {
			return usageError{"infra needs up"}
		}
		return cmdInfraUp(ctx, stdout)
	case "extract":
		return cmdExtract(ctx, rest, stdout)
	case "parse-price":
		return cmdParsePrice(rest, stdin, stdout)
	case "config":
		return cmdConfig(stdout)
	case "dev":
		return cmdDev(ctx, rest, stdout)
	case "help", "-h", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}
