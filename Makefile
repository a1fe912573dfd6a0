# NumberDesk — common tasks. `make demo` runs the main job (the portal), `make test` the tests.
GO ?= go
PORTAL_WASM := examples/portal/web/app.wasm

.PHONY: demo wasm quickstart test vet fmt bench fuzz cover size screenshots

demo: wasm ## the main job: build the portal's client wasm and serve the portal at http://127.0.0.1:8000
	$(GO) run ./examples/portal -addr 127.0.0.1:8000 -web examples/portal/web -wasm $(PORTAL_WASM)

wasm: ## the portal's client-only wasm (build-tag split), as served
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(PORTAL_WASM) ./examples/portal

quickstart: ## the SDK on embedded defaults, on the command line
	$(GO) run ./examples/quickstart

test: ## everything CI checks: formatting, vet, js/wasm builds, and all tests (browser tests included) with the race detector
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) build ./ ./phone/ ./staff/ ./routing/ ./numbers/ ./efax/ ./notify/ ./store/memstore/ ./wasm/ ./examples/portal/
	$(GO) test -race -count=1 ./...

size: ## js/wasm size of the portal next to a naive go-app hello world, built in the same run
	$(GO) run ./examples/portal/internal/sizereport

screenshots: ## run the browser tests and write docs/screenshots/*.png
	NUMBERDESK_SCREENSHOTS=1 $(GO) test -count=1 ./examples/portal/e2e/

bench: ## benchmarks with allocations (figures are reported, not asserted)
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz: ## run the parser fuzzer for a minute
	$(GO) test ./phone -run '^$$' -fuzz FuzzParse -fuzztime 60s

cover: ## coverage per package
	$(GO) test -count=1 -cover ./...
