// Command connectd is a Kafka Connect–compatible distributed worker.
//
//	connectd worker [--pprof ADDR] [FILE]   run a worker from a connect-distributed.properties FILE (CONNECT_* environment
//	                                        variables override the file; --pprof serves net/http/pprof on ADDR)
//	connectd dev                            run an in-process Kafka cluster and a worker for development
//	connectd version                        print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	metrics "github.com/rcrowley/go-metrics"
)

// exitUsage is the exit code for a bad command line or configuration: 2, the usual code for a usage error, so
// scripts can tell it from a runtime failure (1).
const exitUsage = 2

// usageError is a configuration or command-line problem: it exits with code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	// sarama feeds request, batch and latency histograms to go-metrics, which connectd does not export; with
	// nil metrics those updates cost nothing (at full rate they were ~1.5 MB of heap and a few % of CPU).
	metrics.UseNilMetrics = true
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

func run(args, environ []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	// The first SIGINT/SIGTERM starts a clean shutdown; a second one exits at once.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	finished := make(chan struct{})
	defer close(finished)
	defer stop()
	go func() {
		select {
		case <-ctx.Done():
		case <-finished:
			return
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(sig)
		select {
		case <-sig:
			fmt.Fprintln(stderr, "second signal: exiting now")
			os.Exit(1)
		case <-finished:
		}
	}()

	var err error
	switch args[0] {
	case "worker":
		err = runWorker(ctx, args[1:], environ, stderr)
	case "dev":
		err = runDev(ctx, args[1:], environ, stdout, stderr)
	case "topics":
		err = runTopics(ctx, args[1:], stdout, stderr)
	case "consume":
		err = runConsume(ctx, args[1:], stdout, stderr)
	case "produce":
		err = runProduce(ctx, args[1:], os.Stdin, stderr)
	case "offsets":
		err = runOffsets(ctx, args[1:], stdout, stderr)
	case "health":
		err = runHealth(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "connectd %s (Kafka Connect %s compatible)\n", version, kafkaVersion)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "connectd: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "connectd: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return 1
}

const usage = `usage: connectd <command> [arguments]

commands:
  worker [--pprof ADDR] [FILE]
                  run a distributed worker from a connect-distributed.properties file
                  and/or CONNECT_* environment variables (Confluent image naming);
                  --pprof serves net/http/pprof on ADDR (off by default)
  dev             run an in-process Kafka cluster and a worker (what 'make run' starts)
  topics list|describe|apply
                  list or describe topics, or create/raise/configure them from a YAML file
  consume TOPIC   print records as kafka-console-consumer does
  produce TOPIC   write each line of stdin as a record, as kafka-console-producer does
  offsets [TOPIC...]
                  print topic:partition:end-offset as kafka-get-offsets does
  health          exit 0 when a worker's GET /health answers 200 (the container health check)
  version         print the version

The Kafka commands take --bootstrap-server host:port[,...] (default 127.0.0.1:9092, the dev stack);
'connectd <command> -h' lists each command's flags.
`
