# NumberDesk — common tasks. `make demo` runs the main job (the portal), `make test` the tests.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
GO ?= go
PORTAL_WASM := examples/portal/web/app.wasm
# The packages that must compile for the browser.
BROWSER_PKGS := ./ ./phone/ ./staff/ ./routing/ ./numbers/ ./efax/ ./notify/ ./store/memstore/ ./billing/ ./csvio/ ./wasm/ ./examples/portal/
# A test run's own directory, /tmp/nd-test.<pid of the shell>: its
# TMPDIR (so that nothing a test leaves behind, even when the -timeout panic
# kills it, outlives the run: it is removed after the run, and a directory
# whose shell is gone is swept before the next) and its one build of the
# portal's wasm. Short, because Chromium puts a Unix socket (at most 107
# bytes of path) below its TMPDIR.
RUN_PREFIX := /tmp/nd-test.
# Evidence of failures that survives the run: porcupine visualizations,
# screenshots and console logs of failed browser tests, the raw go test -json.
ARTIFACTS ?= $(CURDIR)/.cache/test-artifacts
# go test's package timeout, sized for the slowest package (the browser tests,
# about 3 minutes on an idle 2-core machine) on such a machine slowed down
# tenfold by other jobs. Tests themselves budget work, not seconds.
TEST_TIMEOUT ?= 60m
TESTSUM := $(GO) run ./internal/testsum

.PHONY: demo wasm quickstart test check lint test-under-load loadtest size screenshots bench statements bench-baseline bench-scale bench-growth mutate fuzz cover

demo: wasm ## the main job: build the portal's client wasm and serve the portal at http://127.0.0.1:8000 (server mode: the API on SQLite in .cache/, seeded with the demo tenant; log in at /login, mails at /mails)
	$(GO) run ./examples/portal -addr 127.0.0.1:8000 -web examples/portal/web -wasm $(PORTAL_WASM) -db sqlite:.cache/numberdesk-demo.db

wasm: ## the portal's client-only wasm (build-tag split), as served
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(PORTAL_WASM) ./examples/portal

quickstart: ## the SDK on embedded defaults, on the command line
	$(GO) run ./examples/quickstart

test: lint ## everything CI checks: lint, js/wasm builds, and all tests (browser and PostgreSQL included) with the race detector
	for d in $(RUN_PREFIX)*; do [ -d "$$d" ] && ! kill -0 "$${d##*.}" 2>/dev/null && rm -rf "$$d"; done; true
	run=$(RUN_PREFIX)$$$$; mkdir -p $$run $(ARTIFACTS); trap 'rm -rf '$$run EXIT; \
	GOOS=js GOARCH=wasm $(GO) build -trimpath $(BROWSER_PKGS); \
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $$run/portal.wasm ./examples/portal; \
	$(GO) build -o $$run/testsum ./internal/testsum; \
	echo "go test -race -count=1 -timeout $(TEST_TIMEOUT) ./...   (evidence of failures: $(ARTIFACTS))"; \
	TMPDIR=$$run NUMBERDESK_PORTAL_WASM=$$run/portal.wasm NUMBERDESK_TEST_ARTIFACTS=$(ARTIFACTS) \
		$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) -json ./... | $$run/testsum -json $(ARTIFACTS)/go-test.json

check: ## the fast inner loop (≤ 2 minutes): gofmt, vet and the unit tests with -short: no browser, no PostgreSQL, no wasm builds, no race detector
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	env -u CI -u NUMBERDESK_POSTGRES_DSN $(GO) test -short -count=1 -json ./... | $(TESTSUM)

lint: ## gofmt, go vet, staticcheck (a Go tool of go.mod), go mod tidy, and no .PHONY target without a rule
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) mod tidy -diff
	@for t in $$(sed -n 's/^\.PHONY://p' Makefile); do grep -q "^$$t:" Makefile || { echo "Makefile: .PHONY target $$t has no rule"; exit 1; }; done

test-under-load: ## .ci/run three times in a row while CPU burners keep every core busy (as root, like CI; LOAD=burners, RUNS=runs)
	.ci/under-load

loadtest: ## the portal's load-and-kill test, verbose: two server processes on one PostgreSQL schema (NUMBERDESK_POSTGRES_DSN), 50 API clients for 30 s, one process killed (SIGKILL) and restarted; checks the invariants and reports throughput and p50/p99 per route
	$(GO) test -count=1 -run '^TestLoadAndKill$$' -v -timeout 15m ./examples/portal/loadtest/

size: ## js/wasm size of the portal next to a naive go-app hello world, built in the same run
	$(GO) run ./examples/portal/internal/sizereport

screenshots: ## run the browser tests and write docs/screenshots/*.png (RUN=TestBrands: only the tests matching, e.g. the two brands; SKIP=…: all but those)
	NUMBERDESK_SCREENSHOTS=1 $(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run '$(RUN)' -skip '$(SKIP)' ./examples/portal/e2e/

bench: ## benchmarks with allocations (figures are reported, not asserted)
	$(GO) test -run '^$$' -bench . -benchmem ./...

statements: ## the README's statements per command of numbers.Service, for 1 and 100 numbers, on SQLite and PostgreSQL (NUMBERDESK_POSTGRES_DSN); TestCommandStatements pins them
	$(GO) test -count=1 -run '^TestCommandStatements$$' -v ./store/sqlstore/ | grep -E 'statements|^(ok|FAIL|---)'

bench-baseline: ## numbers.Service next to a raw-SQL transaction doing the same logical work (Swap, Activate; 1 and 8 workers; SQLite and PostgreSQL via NUMBERDESK_POSTGRES_DSN), interleaved: the ratio is the median of 3
	$(GO) test -run '^$$' -bench Baseline -benchtime 3x ./store/sqlstore/

bench-scale: ## the README's side-by-side table: numbers.Service at 100,000 numbers on memstore, SQLite and PostgreSQL (NUMBERDESK_POSTGRES_DSN), with statements per command
	$(GO) test -run '^$$' -bench Scale -benchmem -benchtime 3x ./store/sqlstore/

bench-growth: ## the README's growth table: the overview's page, next page, prefix and extension search and a 100-block Provision at 1,000 to 1,000,000 numbers in one tenant, on memstore, SQLite and PostgreSQL (NUMBERDESK_POSTGRES_DSN); memstore's bytes per number
	$(GO) test -run '^$$' -bench Growth -benchtime 1x -timeout 60m ./store/sqlstore/

# Mutation testing (gremlins): efficacy = killed / (killed + lived) per
# package; "kernel" is the module's root package (its subdirectories
# excluded). -short skips the efax timing report, -vet=off saves three
# quarters of each mutant's build; one worker per package, since the tests
# of a package run in parallel themselves. Takes 30-60 minutes on an idle
# 2-core machine (the kernel's coverage run is the whole suite).
GREMLINS := $(GO) run github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
MUTATE ?= kernel staff routing numbers efax

mutate: ## mutation testing with gremlins, efficacy per package (MUTATE="routing efax" for some); reports in .cache/gremlins/
	mkdir -p .cache/gremlins
	for p in $(MUTATE); do \
		if [ $$p = kernel ]; then dir=. ex="-E /"; else dir=./$$p ex=; fi; \
		GOFLAGS="-count=1 -short -vet=off" $(GREMLINS) unleash --workers 1 --test-cpu 1 --timeout-coefficient 6 $$ex \
			-o .cache/gremlins/$$p.json $$dir > .cache/gremlins/$$p.log 2>&1 || exit 1; \
		echo "$$p: $$(grep -E 'Killed:|Timed out:|efficacy' .cache/gremlins/$$p.log | tr '\n' ' ')"; grep -E 'LIVED' .cache/gremlins/$$p.log || true; \
	done

# The time the fuzzer may spend minimizing each new interesting input. While
# it minimizes, the other workers wait, and the default (60 s) let
# FuzzDecodePlan spend a third of its run shrinking one large plan: bounded,
# every target keeps fuzzing. (A crasher is still saved, minimized as far as
# the bound allows.)
FUZZ_MINIMIZE ?= 2s
FUZZ := -run '^$$' -fuzzminimizetime $(FUZZ_MINIMIZE) -fuzztime

fuzz: ## run the fuzzers: the E.164 parser and the CSV parser for a minute; the plan decoder, the overview cursor and the service requests (Feed, Provision, SaveRouting, Assign, Import, Send) for 30 s each
	$(GO) test ./phone $(FUZZ) 60s -fuzz '^FuzzParse$$'
	$(GO) test ./routing $(FUZZ) 30s -fuzz '^FuzzDecodePlan$$'
	$(GO) test ./numbers $(FUZZ) 30s -fuzz '^FuzzFeed$$'
	$(GO) test ./numbers $(FUZZ) 30s -fuzz '^FuzzProvision$$'
	$(GO) test ./numbers $(FUZZ) 30s -fuzz '^FuzzSaveRouting$$'
	$(GO) test ./numbers $(FUZZ) 30s -fuzz '^FuzzAssign$$'
	$(GO) test ./numbers $(FUZZ) 30s -fuzz '^FuzzOverviewCursor$$'
	$(GO) test ./numbers $(FUZZ) 30s -fuzz '^FuzzImport$$'
	$(GO) test ./efax $(FUZZ) 30s -fuzz '^FuzzSend$$'
	$(GO) test ./csvio $(FUZZ) 60s -fuzz '^FuzzParse$$'

cover: ## coverage per package
	$(GO) test -count=1 -cover ./...
