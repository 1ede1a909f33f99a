# make bench: the side-by-side benchmark (see bench/README.md)
# make test:  the full test suite, as CI runs it (scripts/test.sh)

.PHONY: bench test gobench fuzz

bench:
	go -C bench run .

test:
	./scripts/test.sh

# go test -bench for every dtype (float32, float64), path and size of x,
# with copy() beside, as the README table (medians of 5 runs, ratio to copy
# of the same dtype and n, then the float64 targets). -dropout.full
# (bench_test.go) selects every size; a plain go test -bench . runs 16 KiB
# of x only.
gobench:
	go test -run '^$$' -bench 'Forward/|ForwardNoMask/|Backward/|BackwardKey/|Infer/|Copy/' -count 5 . -args -dropout.full | tee bench.out
	python3 scripts/benchtable.py bench.out

fuzz:
	go test -run '^$$' -fuzz FuzzForward -fuzztime 5m .
