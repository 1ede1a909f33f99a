#!/usr/bin/env bash
# rngtest.sh: dropout's random stream against a battery nobody here wrote.
#
# bench/rngstream writes the 24-bit draws of a fixed key as a packed bit
# stream (24 bits per draw, no padding; see bench/rngstream/main.go for the
# bit order) and this script pipes it into dieharder's raw-stdin generator
# (`dieharder -g 200`). Two streams are tested:
#
#   single       seed 1 from offset 0
#   interleaved  seeds 1, 2, 3 from offset 0, draw by draw (draw i of seed 1,
#                of seed 2, of seed 3, then draw i+1 ...): correlations
#                between neighbouring seeds, which no per-seed battery sees
#
# Every run uses dieharder's resolve-ambiguity mode (-Y 1, with -k 2 as the
# man page requires): when a test's p-value is WEAK (p < 0.005 or
# p > 0.995), dieharder at once adds 100 more p-samples to that test and
# recomputes its p-value over all of them, again and again, until it is
# clearly PASSED or FAILED (p < 1e-6 or p > 1 - 1e-6), or has 100000
# p-samples (then it stays WEAK). A WEAK result is therefore never called a
# failure; the first (WEAK) p-value is kept next to the resolved one. The input is deterministic (a fixed
# key), so every run of this script reads the same bits and reproduces the
# same p-values.
#
# Usage:
#   scripts/rngtest.sh            full battery (dieharder -a) on both streams:
#                                 raw output and a TSV per stream in
#                                 scripts/rngtest-results/, the Markdown table
#                                 in scripts/rngtest-results.md. Long: run it
#                                 under nice and expect an hour or more.
#   scripts/rngtest.sh --quick    CI subset on both streams (under a minute);
#                                 exits 1 if any test FAILED.
#   options: --stream single|interleaved|both   (default both)
#            --out DIR      where results go (default scripts/rngtest-results;
#                           the Markdown file is DIR.md)
#            --report       only rebuild the TSVs and DIR.md from DIR/*.raw
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
streams="single interleaved"
out=scripts/rngtest-results
while (($#)); do
	case $1 in
	--quick) mode=quick ;;
	--full) mode=full ;;
	--report) mode=report ;;
	--stream)
		shift
		case ${1:-} in
		single | interleaved) streams=$1 ;;
		both) streams="single interleaved" ;;
		*) echo "rngtest.sh: --stream takes single, interleaved or both" >&2; exit 2 ;;
		esac
		;;
	--out) shift; out=${1:?--out needs a directory} ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "rngtest.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

step() { printf '\n=== %s\n' "$*"; }

# The generator's arguments for each stream.
gen_args() {
	case $1 in
	single) echo "-seeds 1" ;;
	interleaved) echo "-seeds 1,2,3" ;;
	esac
}

# dieharder options common to every run: raw binary on stdin, resolve
# ambiguity (re-run WEAK results with more p-samples), accurate KS test.
DH=(dieharder -g 200 -Y 1 -k 2)

# The CI subset: tests of the battery that take at most a few CPU seconds
# each and look at different things: birthday spacings (0), binary rank of
# 6x8 bit matrices (3: linear dependencies, the known weakness of the
# xorshift family's low bits), overlapping 20-bit words (4), counts of ones
# (8), parking lot (10), runs (15), craps (16), monobit (100), lagged sums
# (203), DCT (206) and monobit over 12 block sizes (209). The 32x32 rank
# test (2) alone costs 20 CPU seconds per stream: it is left to the full
# battery. The streams run side by side (one per core): about 30 CPU
# seconds each.
QUICK=(0 3 4 8 10 15 16 100 203 206 209)

# --- results: raw dieharder output -> TSV -> Markdown -----------------------

# tsv RAW: one row per statistic of every test (a test with several
# statistics, like diehard_runs, prints several lines), in battery order:
# test, ntup, k (statistic index), first psamples, p-value, assessment, then
# the final psamples, p-value, assessment after any resolve-ambiguity re-runs
# (equal to the first when the test was not WEAK).
tsv() {
	awk -F'|' '
	function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
	NF == 6 && $1 !~ /^#/ && $1 !~ /test_name/ {
		name = trim($1); nt = trim($2); ps = trim($4); p = trim($5); a = trim($6)
		id = name "|" nt
		if (!(id in lastps) || lastps[id] != ps) { lastps[id] = ps; k[id] = 0 } else k[id]++
		key = id "|" k[id]
		if (!(key in first)) { order[++n] = key; first[key] = ps "\t" p "\t" a }
		final[key] = ps "\t" p "\t" a
	}
	END {
		print "test\tntup\tk\tpsamples\tp_value\tassessment\tfinal_psamples\tfinal_p_value\tfinal_assessment"
		for (i = 1; i <= n; i++) {
			split(order[i], f, "|")
			print f[1] "\t" f[2] "\t" f[3] "\t" first[order[i]] "\t" final[order[i]]
		}
	}' "$1"
}

# cell PSAMPLES P A FINALPS FINALP FINALA: the Markdown cells of one stream.
cell() {
	if [ "$1" = "$4" ]; then
		printf '%s | %s' "$2" "$3"
	else
		printf '%s | %s (WEAK %s at %s p-samples, resolved at %s)' "$5" "$6" "$2" "$1" "$4"
	fi
}

# machine: the CPU, core count, hypervisor and kernel, for the record.
machine() {
	local model fam mod hv
	model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')
	fam=$(grep -m1 '^cpu family' /proc/cpuinfo | sed 's/.*: //')
	mod=$(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | sed 's/.*: //')
	hv=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p')
	[ -z "$hv" ] && grep -qw hypervisor /proc/cpuinfo && hv="unknown hypervisor"
	printf '%s (family %s, model %s), %s cores%s, %s' "$model" "$fam" "$mod" "$(nproc)" \
		"${hv:+, $hv virtual machine}" "$(uname -sr)"
}

# markdown: the table of every test for the streams that have a TSV.
markdown() {
	local md=$1 s
	local have=()
	for s in single interleaved; do [ -f "$out/$s.tsv" ] && have+=("$s"); done
	{
		echo "<!-- generated by scripts/rngtest.sh from $out/*.raw; edit the script, not this file -->"
		echo "### dieharder results"
		echo
		echo "$(dieharder -l 2>/dev/null | grep -o 'dieharder version [0-9.]*' | head -1) (Debian package \`dieharder\` $(dpkg-query -W -f='${Version}' dieharder 2>/dev/null || echo '?'))," \
			"full battery (\`-a\`), default p-samples (100 per test) and t-samples."
		echo
		echo "Machine: $(machine); draws computed by dropout's $kernel kernel (every kernel draws the same stream)."
		echo
		echo "Commands (bench/rngstream writes the draws of key (seed, offset 0) as 24-bit little-endian fields, no padding):"
		echo
		echo '```'
		echo "go -C bench build -o /tmp/rngstream ./rngstream"
		for s in "${have[@]}"; do
			echo "/tmp/rngstream $(gen_args "$s") | ${DH[*]} -a   # $s"
		done
		echo '```'
		echo
		for s in "${have[@]}"; do
			[ -f "$out/$s.time" ] && echo "- $s: $(cat "$out/$s.time")"
		done
		echo
		echo "WEAK results (p < 0.005 or p > 0.995) are resolved by dieharder's resolve-ambiguity mode (\`-Y 1\`,"
		echo "standard practice before calling anything a failure): dieharder at once adds 100 more p-samples to"
		echo "the test and recomputes its p-value over all of them, repeatedly, until it is clearly PASSED or"
		echo "FAILED (p < 1e-6 or p > 1 - 1e-6). Both the WEAK p-value and the resolved one are shown."
		echo
		local rows=() totals=()
		for s in "${have[@]}"; do
			totals+=("$s: $(awk -F'\t' 'NR > 1 { n++; c[$9]++; if ($6 == "WEAK") w++ }
				END { printf "%d statistics, %d PASSED, %d WEAK resolved by re-running, %d FAILED, %d still WEAK", n, c["PASSED"], w, c["FAILED"], c["WEAK"] }' "$out/$s.tsv")")
		done
		for t in "${totals[@]}"; do echo "- $t"; done
		echo
		local head="| test | ntup" sep="|---|---:"
		for s in "${have[@]}"; do head+=" | $s p-value | $s assessment"; sep+="|---:|---"; done
		echo "$head |"
		echo "$sep|"
		# Join the streams on (test, ntup, k); both TSVs are in battery order.
		local first=${have[0]}
		tail -n +2 "$out/$first.tsv" | while IFS=$'\t' read -r t nt k ps p a fps fp fa; do
			line="| $t | $nt"
			for s in "${have[@]}"; do
				row=$(awk -F'\t' -v t="$t" -v nt="$nt" -v k="$k" '$1 == t && $2 == nt && $3 == k' "$out/$s.tsv")
				if [ -z "$row" ]; then
					line+=" | | (not run)"
				else
					IFS=$'\t' read -r _ _ _ ps p a fps fp fa <<<"$row"
					line+=" | $(cell "$ps" "$p" "$a" "$fps" "$fp" "$fa")"
				fi
			done
			echo "$line |"
		done
	} >"$md"
	echo "wrote $md"
}

# --- dieharder --------------------------------------------------------------
if ! command -v dieharder >/dev/null; then
	step "installing dieharder (apt-get)"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dieharder >/dev/null
fi
echo "$(dieharder -l | grep -o 'dieharder version [0-9.]*' | head -1) at $(command -v dieharder)"

# --- the generator ----------------------------------------------------------
step "building bench/rngstream"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go -C bench build -o "$tmp/rngstream" ./rngstream
gen=$tmp/rngstream
kernel=$("$gen" -kernel)
echo "built $gen (dropout kernel here: $kernel; every kernel draws the same stream)"

if [ "$mode" = report ]; then
	for s in $streams; do tsv "$out/$s.raw" >"$out/$s.tsv"; done
	markdown "$out.md"
	exit 0
fi

# --- quick: the CI subset ---------------------------------------------------
if [ "$mode" = quick ]; then
	step "quick subset: dieharder tests ${QUICK[*]}, streams $streams side by side"
	t0=$SECONDS
	for s in $streams; do
		echo "stream $s: $gen $(gen_args "$s") | ${DH[*]} -d N, for N in ${QUICK[*]}"
		(
			set +e +o pipefail
			for d in "${QUICK[@]}"; do
				# Each test reads the stream from its start: deterministic.
				# shellcheck disable=SC2046 # gen_args is meant to split
				res=$("$gen" $(gen_args "$s") | "${DH[@]}" -d "$d" |
					awk -F'|' 'NF == 6 && $1 !~ /^#/ && $1 !~ /test_name/'
					echo "${PIPESTATUS[0]} ${PIPESTATUS[1]}")
				st=${res##*$'\n'}
				res=${res%"$st"}
				[ -n "$res" ] && printf '%s' "$res"
				# The generator ends with 0 when dieharder closes the pipe.
				if [ -z "$res" ] || [ "$st" != "0 0" ]; then
					echo "ERROR dieharder -d $d: no result or bad exit (generator, dieharder: $st)"
				fi
			done
		) >"$tmp/$s.quick" &
	done
	wait
	failed=0
	for s in $streams; do
		step "stream $s"
		echo "        test_name   |ntup| tsamples |psamples|  p-value |Assessment"
		cat "$tmp/$s.quick"
		if grep -q -e FAILED -e '^ERROR' "$tmp/$s.quick"; then failed=1; fi
	done
	echo
	echo "quick subset done in $((SECONDS - t0)) s"
	if ((failed)); then
		echo "FAILED: a test failed after resolving WEAK results, or did not run (see above)"
		exit 1
	fi
	echo "no FAILED test (WEAK results were re-run with more p-samples until resolved)"
	exit 0
fi

# --- full: the whole battery ------------------------------------------------
mkdir -p "$out"
for s in $streams; do
	step "stream $s: $gen $(gen_args "$s") | ${DH[*]} -a > $out/$s.raw (long)"
	start=$(date -u +%s)
	# shellcheck disable=SC2046
	"$gen" $(gen_args "$s") | "${DH[@]}" -a | tee "$out/$s.raw"
	secs=$(($(date -u +%s) - start))
	echo "$(date -u -d "@$start" '+%Y-%m-%d %H:%M UTC'), $((secs / 60)) min $((secs % 60)) s" >"$out/$s.time"
	tsv "$out/$s.raw" >"$out/$s.tsv"
	echo "wrote $out/$s.raw, $out/$s.tsv"
done
markdown "$out.md"
if awk -F'\t' '$9 == "FAILED" { bad = 1 } END { exit !bad }' "$out"/*.tsv; then
	echo "FAILED results: see $out.md"
	exit 1
fi
