# connectd — a Kafka Connect–compatible distributed worker in Go.
GO        ?= go
BIN       ?= bin/connectd
PKGS      ?= ./...
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# COMMIT is what GET / reports (cut to 16 characters); empty outside a git checkout, then the binary says "unknown".
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

# golangci-lint is built from the Go module proxy at this exact version (checked against the checksum database)
# into a directory named after the version, so a clean CI machine builds it once and a version bump rebuilds it.
# `go install pkg@version` uses golangci-lint's own go.mod, not ours: our dependencies don't move its linters and
# its dependencies don't enter our go.sum, which a tools go.mod or a `tool` directive would need maintaining.
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT         := bin/tools/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint

.PHONY: help run build test test-short test-integration smt-golden fuzz vet lint fmt tidy-check bench bench-go bench-load clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-18s %s\n", $$1, $$2}'

run: ## start the embedded dev stack: in-process Kafka (127.0.0.1:9092-9094) and three workers on :28083-28085
	$(GO) run -ldflags '-X main.commit=$(COMMIT)' ./cmd/connectd dev

build: ## build the connectd binary into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/connectd

test: ## run every unit and in-process test with the race detector
	$(GO) vet $(PKGS)
	$(GO) test -race -shuffle=on -timeout 15m $(PKGS)

test-short: ## run the tests without the race detector
	$(GO) test -timeout 10m $(PKGS)

test-integration: ## fuzz every fuzz target, then run the fault suite on a real three-node Kafka 3.9 and Mosquitto, with Kafka Connect 3.9 workers in the interop scenarios (needs java 17, mvn, mosquitto)
	bash test/integration/run.sh

smt-golden: ## regenerate the transformations' golden cases (connector/transforms/testdata) with Kafka 3.9's own jar (needs javac; fetches the jars through Maven once)
	$(GO) run ./connector/transforms/internal/gencases
	bash test/integration/smtoracle/golden.sh

fuzz: ## run every fuzz target for FUZZTIME each (default 20s)
	bash test/fuzz.sh

vet: ## go vet
	$(GO) vet $(PKGS)

lint: $(GOLANGCI_LINT) ## golangci-lint with .golangci.yml (builds the pinned version into bin/tools on first use)
	$(GOLANGCI_LINT) run $(PKGS)

$(GOLANGCI_LINT):
	GOBIN=$(abspath $(dir $@)) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

fmt: ## gofmt every file
	gofmt -w $$(git ls-files '*.go')

tidy-check: ## fail when go.mod/go.sum are not tidy
	$(GO) mod tidy && git diff --exit-code go.mod go.sum

bench: bench-go bench-load ## run the Go benchmarks, then the load harness (see bench/README.md)

bench-go: BENCH ?= .
bench-go: BENCHTIME ?= 500ms
bench-go: BENCH_SKIP ?= BenchmarkFailover
bench-go: ## run the Go benchmarks (BENCH=regexp, BENCHTIME); BENCH_SKIP= adds the minutes-long failover benchmark
	$(GO) test -run '^$$' -bench '$(BENCH)' -skip '$(BENCH_SKIP)' -benchmem -benchtime=$(BENCHTIME) $(PKGS)

bench-load: build ## run the load harness matrix; writes bench/results/ (extra flags: BENCH_LOAD_FLAGS=...)
	$(GO) run ./cmd/connectbench --connectd $(BIN) $(BENCH_LOAD_FLAGS)

clean: ## remove build output
	rm -rf bin
