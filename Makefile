# NumberDesk — common tasks. `make demo` runs the main job, `make test` the tests.
GO ?= go

.PHONY: demo test vet fmt bench fuzz cover

demo: ## run the main job: the SDK quickstart on embedded defaults
	$(GO) run ./examples/quickstart

test: ## everything CI checks: formatting, vet, and all tests with the race detector
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) build ./ ./phone/ ./staff/ ./routing/ ./numbers/ ./efax/ ./notify/ ./store/memstore/
	$(GO) test -race -count=1 ./...

bench: ## benchmarks with allocations (figures are reported, not asserted)
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz: ## run the parser fuzzer for a minute
	$(GO) test ./phone -run '^$$' -fuzz FuzzParse -fuzztime 60s

cover: ## coverage per package
	$(GO) test -count=1 -cover ./...
