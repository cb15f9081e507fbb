# The two commands of the README: `make run` and `make test`. Each installs the Debian
# packages it needs when they are missing, configures, builds and runs.
SHELL   := /bin/bash
JOBS    ?= $(shell nproc)
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS    := build-essential cmake pkg-config libzmq3-dev liblmdb-dev libmsgpack-dev \
           libsystemd-dev libsodium-dev libinih-dev libjansson-dev libcmocka-dev \
           python3 python3-zmq python3-msgpack python3-lmdb clang libclang-rt-14-dev systemd scdoc \
           python3-jsonschema
BENCH_DEBS := redis-server redis-tools
# make package, and the package test in make test
PKG_DEBS   := debhelper lintian devscripts
# make test: the package's and promtool (Debian's prometheus), which lints the metrics
TEST_DEBS  := $(PKG_DEBS) prometheus
# make test: Debian's chromium, headless, opens the HTML report (tests/e2e/test_report_html.py)
TEST_DEBS  += chromium

.PHONY: all deps build build-asan run test test-build test-release test-asan fuzz package \
	test-package bench clean

all: build

deps:
	@missing=""; for p in $(DEBS) $(EXTRA_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Warnings are errors in every build made here (dev, test, CI: -DWERROR=ON), never in a
# packager's plain cmake build (test-build checks that one prints none).
# Makefile is the last file cmake generates: a configure that failed half-way runs again.
build/Makefile: | deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWERROR=ON

build: deps build/Makefile
	cmake --build build -j $(JOBS)

build-asan/Makefile: | deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON -DWERROR=ON

build-asan: deps build-asan/Makefile
	cmake --build build-asan -j $(JOBS)

build-fuzz/Makefile: | deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUZZ=ON -DWERROR=ON

# The daemon in the foreground on the dev config; state and sockets under ./var. Builds only
# the two programs it uses, not the tests.
run: deps build/Makefile
	cmake --build build -j $(JOBS) --target integrityd integrityctl
	@mkdir -p var/state var/run
	@echo "integrityd: state in var/state, sockets in var/run"
	@echo "send a sample event:  build/cli/integrityctl -c config/integrityd.dev.conf submit tests/e2e/sample-declaration.json"
	@echo "see it:               build/cli/integrityctl -c config/integrityd.dev.conf cases"
	exec build/daemon/integrityd --config config/integrityd.dev.conf

test-release: build
	cd build && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# Each libFuzzer target for FUZZ_SECONDS on a scratch copy of its corpus, one after the other
# (tests/fuzz/run-fuzz.sh): prints the executions; a crash fails and says where its input is.
FUZZ_TARGETS ?= fuzz_proto fuzz_ctl fuzz_wf
FUZZ_SECONDS ?= 60
fuzz: build-fuzz/Makefile
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	cd build-fuzz && FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --verbose -L fuzz \
	  --timeout $$(( $(FUZZ_SECONDS) + 120 ))

# The builds a packager runs, without -DWERROR and yet with no warning: Release and Debian's
# dpkg-buildflags, with gcc and with clang (tests/build/check-build).
test-build: deps
	tests/build/check-build build-pkgcheck/gcc-release gcc release
	tests/build/check-build build-pkgcheck/clang-release clang release
	tests/build/check-build build-pkgcheck/gcc-dpkg gcc dpkg
	tests/build/check-build build-pkgcheck/clang-dpkg clang dpkg

# The Debian package (debian/): dpkg-buildpackage -us -uc -b in a clean copy of the tree,
# lintian with no error; build-deb/integrityd_*.deb (tests/package/build-package).
package: EXTRA_DEBS = $(PKG_DEBS)
package: deps
	tests/package/build-package build-deb
	@echo "install it with: apt install ./build-deb/integrityd_*.deb  (README \"Installing\")"

# The package built and linted, unpacked into a scratch root and its files and installed
# config checked there (tests/package/check-package); where dpkg-buildpackage is installed.
test-package: EXTRA_DEBS = $(PKG_DEBS)
test-package: deps
	@if command -v dpkg-buildpackage >/dev/null; then \
	  tests/package/build-package build-deb && \
	  tests/package/check-package build-deb/integrityd_*.deb; \
	else echo "test-package: skipped, no dpkg-buildpackage (apt-get install $(PKG_DEBS))"; fi

test: EXTRA_DEBS = $(TEST_DEBS)
test: test-build test-release test-asan fuzz test-package

bench: EXTRA_DEBS = $(BENCH_DEBS)
bench: build
	tests/bench/run-bench build

clean:
	rm -rf build build-asan build-fuzz build-pkgcheck build-deb
