# postisac - the front door. Everything real happens in scripts/ and Meson.
#   make run    install what is missing, build, start the hub with a demo community
#   make check  install, build with sanitizers, run every test
#   make bench  build optimised, run the benchmarks (bench/RESULTS.md)
#   make fuzz   build the libFuzzer targets with clang

HOST ?= 127.0.0.1
PORT ?= 8080
DB   ?= var/postisac.db

.PHONY: run check bench fuzz build format clean bootstrap

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@test -f build/release/build.ninja || meson setup build/release --buildtype=release -Db_ndebug=false >/dev/null
	@ninja -C build/release >/dev/null

run: build
	@scripts/run-demo build/release/src/cli/postisac $(DB) $(HOST) $(PORT)

check: bootstrap
	@test -f build/check/build.ninja || meson setup build/check --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	@ninja -C build/check
	@scripts/check build/check

bench: build
	@bench/run build/release/src/cli/postisac

fuzz: bootstrap
	@test -f build/fuzz/build.ninja || CC=clang meson setup build/fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	@ninja -C build/fuzz
	@echo "fuzz targets are in build/fuzz/fuzz/ (run one with -max_total_time=60 fuzz/corpus/NAME)"

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
