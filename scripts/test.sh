#!/usr/bin/env bash
# The full test suite: what `make test` and CI run. It installs what it needs
# (python3-numpy for the live NumPy referee, qemu-user for arm64 and
# big-endian s390x), vets every GOARCH, runs the suite once per amd64 path
# checking that the path it meant to test is the one in use, under
# qemu-aarch64 for NEON, under qemu-s390x, with the race detector, runs the
# fuzz targets briefly and the bench module's smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

# --- what the tests need --------------------------------------------------
need=()
/usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v qemu-s390x >/dev/null || { [[ " ${need[*]} " == *" qemu-user "* ]] || need+=(qemu-user); }
if ((${#need[@]})); then
	step "installing ${need[*]}"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
export DROPOUT_REQUIRE_NUMPY=1 # the NumPy referee must run, not skip

# --- format and vet everywhere Go runs -------------------------------------
step "gofmt"
bad=$(gofmt -l $(git ls-files '*.go' | grep -v '^_gen/' || true))
[ -z "$bad" ] || { echo "not gofmt-formatted: $bad"; exit 1; }

step "go vet on every GOOS/GOARCH, with and without purego"
for target in linux/amd64 linux/arm64 linux/386 linux/riscv64 linux/ppc64le linux/s390x \
	darwin/arm64 darwin/amd64 windows/amd64 windows/arm64 js/wasm wasip1/wasm freebsd/amd64; do
	for tags in "" purego; do
		GOOS=${target%/*} GOARCH=${target#*/} go vet -tags "$tags" ./... || { echo "vet failed: $target tags=$tags"; exit 1; }
	done
done
echo "vet clean on 13 targets x {default, purego}"

# --- amd64: once per path the CPU has --------------------------------------
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { [[ " $flags " == *" $1 "* ]]; }
if [ "$(go env GOARCH)" = amd64 ]; then
	if has avx512f && has avx512bw && has avx512vl; then
		step "tests: avx512 path"
		DROPOUT_EXPECT_KERNEL=avx512 go test -count=1 ./...
	else
		echo "(no AVX-512 here: that path is not tested on this machine)"
	fi
	if has avx2; then
		step "tests: avx2 path (DROPOUT_DISABLE=avx512)"
		DROPOUT_DISABLE=avx512 DROPOUT_EXPECT_KERNEL=avx2 go test -count=1 ./...
	fi
	step "tests: generic path (DROPOUT_DISABLE=avx512,avx2)"
	DROPOUT_DISABLE=avx512,avx2 DROPOUT_EXPECT_KERNEL=generic go test -count=1 ./...
fi
step "tests: purego build"
DROPOUT_EXPECT_KERNEL=generic go test -count=1 -tags purego ./...

step "tests: race detector (every path the CPU has, short)"
go test -count=1 -race -short ./...

# --- arm64 NEON and big-endian s390x under qemu ----------------------------
step "tests: arm64 neon under qemu-aarch64"
DROPOUT_EXPECT_KERNEL=neon GOARCH=arm64 go test -count=1 -exec qemu-aarch64 ./...
step "tests: arm64 generic (DROPOUT_DISABLE=neon) and purego under qemu-aarch64, short"
DROPOUT_DISABLE=neon DROPOUT_EXPECT_KERNEL=generic GOARCH=arm64 go test -count=1 -short -exec qemu-aarch64 ./...
DROPOUT_EXPECT_KERNEL=generic GOARCH=arm64 go test -count=1 -short -tags purego -exec qemu-aarch64 ./...
step "tests: big-endian s390x under qemu-s390x"
DROPOUT_EXPECT_KERNEL=generic GOARCH=s390x go test -count=1 -short -exec qemu-s390x ./...

# --- fuzz targets, briefly ---------------------------------------------------
step "fuzzing (${FUZZTIME:=10s} per target)"
for target in FuzzForward FuzzSplit FuzzBackward; do
	go test -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" . | tail -1
done

# --- generated code and the bench module ------------------------------------
if [ -d _gen ]; then
	step "assembly generator: regenerate and diff"
	(cd _gen && go run . -out ../kernel_amd64.s -stubs ../kernel_amd64_stubs.go)
	git diff --exit-code -- kernel_amd64.s kernel_amd64_stubs.go
fi
if [ -d bench ]; then
	step "bench module: vet and smoke test"
	(cd bench && go vet ./... && go test -count=1 ./...)
fi

step "all tests passed"
