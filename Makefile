# make bench: the side-by-side benchmark (see bench/README.md)
# make test:  the full test suite, as CI runs it (scripts/test.sh)

.PHONY: bench test gobench fuzz

bench:
	go -C bench run .

test:
	./scripts/test.sh

# go test -bench for every path and size, with copy() beside.
gobench:
	go test -run '^$$' -bench . -benchtime 200ms .

fuzz:
	go test -run '^$$' -fuzz FuzzForward -fuzztime 5m .
