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
# failure; the first (WEAK) p-value is kept next to the resolved one. The
# input is deterministic (a fixed key), so every run of this script reads
# the same bits and reproduces the same p-values.
#
# Usage:
#   scripts/rngtest.sh            full battery (dieharder -a) on both streams:
#                                 raw output and a TSV per stream in
#                                 scripts/rngtest-results/, the Markdown table
#                                 in scripts/rngtest-results.md. Long: the
#                                 lagged-sum test alone reads 224 GB per
#                                 stream (10^6 (lag+1) words x 100 p-samples
#                                 for lags 0..32); 65-67 min per stream on a
#                                 loaded 2-core VM. Run it under nice.
#   scripts/rngtest.sh --quick    CI subset on both streams (about a minute);
#                                 exits 1 if any test FAILED.
#   options: --stream single|interleaved|both   (default both)
#            --out DIR      where results go (default scripts/rngtest-results;
#                           the Markdown file is DIR.md)
#            --report       only rebuild the TSVs and DIR.md from DIR/*.raw
#                           (and DIR/*.extra.raw: tests run one by one with
#                           -d, listed in DIR/*.extra.cmd, when an -a run
#                           had to be stopped before the end)
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
	}' "$@"
}

# The (test, ntup) pairs of a complete `dieharder -a` run (3.31.1), to say
# what a stopped run is missing.
ALL_A="diehard_birthdays:0 diehard_operm5:0 diehard_rank_32x32:0 diehard_rank_6x8:0
diehard_bitstream:0 diehard_opso:0 diehard_oqso:0 diehard_dna:0 diehard_count_1s_str:0
diehard_count_1s_byt:0 diehard_parking_lot:0 diehard_2dsphere:2 diehard_3dsphere:3
diehard_squeeze:0 diehard_sums:0 diehard_runs:0 diehard_craps:0 marsaglia_tsang_gcd:0
sts_monobit:1 sts_runs:2 sts_serial:1-16 rgb_bitdist:1-12 rgb_minimum_distance:2-5
rgb_permutations:2-5 rgb_lagged_sum:0-32 rgb_kstest_test:0 dab_bytedistrib:0 dab_dct:256
dab_filltree:32 dab_filltree2:0-1 dab_monobit2:12"

# missing TSV: the tests of ALL_A with no row in TSV, as "name ntup a-b, ...".
missing() {
	awk -F'\t' -v all="$ALL_A" '
	NR > 1 { have[$1 "|" $2] = 1 }
	END {
		n = split(all, e, /[ \n]+/); out = ""
		for (i = 1; i <= n; i++) {
			if (e[i] == "") continue
			split(e[i], f, ":"); lo = f[2]; hi = f[2]
			if (f[2] ~ /-/) { split(f[2], r, "-"); lo = r[1]; hi = r[2] }
			run = ""
			for (t = lo + 0; t <= hi + 1; t++) {
				if (t <= hi + 0 && !((f[1] "|" t) in have)) { if (run == "") run = t; last = t; continue }
				if (run != "") {
					item = f[1] (lo == hi ? "" : " ntup " (run == last ? run : run "-" last))
					out = out (out == "" ? "" : ", ") item; run = ""
				}
			}
		}
		print out
	}' "$1"
}

# cell PSAMPLES P A FINALPS FINALP FINALA: the p-value and assessment cells
# of one statistic: the first run's, then the resolve-ambiguity re-run's if
# there was one (a test is re-run whole when any of its statistics is WEAK).
cell() {
	if [ "$1" = "$4" ]; then
		printf '%s | %s' "$2" "$3"
	elif [ "$3" = WEAK ]; then
		printf '%s | WEAK → %s with %s p-samples (p = %s)' "$2" "$6" "$4" "$5"
	else
		printf '%s | %s (re-run with %s p-samples: %s %s)' "$2" "$3" "$4" "$5" "$6"
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
			"full battery (\`-a\`), each test's default p-samples and t-samples."
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
			[ -f "$out/$s.extra.cmd" ] || continue
			echo "$s: the \`-a\` run was stopped before the end, so these tests were run one by one, each reading"
			echo "the stream from its start (\`$out/$s.extra.raw\`):"
			echo
			echo '```'
			cat "$out/$s.extra.cmd"
			echo '```'
			echo
		done
		echo "Run time of the \`-a\` runs:"
		echo
		for s in "${have[@]}"; do
			[ -f "$out/$s.time" ] && echo "- $s: $(cat "$out/$s.time")"
		done
		echo
		echo "WEAK results (p < 0.005 or p > 0.995) are resolved by dieharder's resolve-ambiguity mode (\`-Y 1\`,"
		echo "standard practice before calling anything a failure): dieharder at once adds 100 more p-samples to"
		echo "the test and recomputes its p-value over all of them, repeatedly, until it is clearly PASSED or"
		echo "FAILED (p < 1e-6 or p > 1 - 1e-6). The table shows each statistic's p-value with the test's default"
		echo "p-samples (100; 1000 for rgb_minimum_distance and rgb_kstest_test, 1 for the dab_ tests); where a test"
		echo "was re-run, every statistic of it also shows the re-run's result."
		echo
		local totals=()
		for s in "${have[@]}"; do
			totals+=("$s: $(awk -F'\t' 'NR > 1 { n++; c[$9]++; if ($6 == "WEAK") w++ }
				END { printf "%d statistics, %d PASSED, %d WEAK resolved by re-running, %d FAILED, %d still WEAK", n, c["PASSED"], w, c["FAILED"], c["WEAK"]
				}' "$out/$s.tsv")")
			miss=$(missing "$out/$s.tsv")
			[ -z "$miss" ] || totals[-1]+=" — INCOMPLETE, not run: $miss"
		done
		for t in "${totals[@]}"; do echo "- $t"; done
		echo
		echo "CI runs a quick subset, \`scripts/rngtest.sh --quick\`: \`dieharder -d N\` for N in ${QUICK[*]} on both"
		echo "streams, same options, the two streams side by side (36 s on this machine lightly loaded, 54-55 s at load 16); it exits 1"
		echo "on a FAILED test. The input is deterministic, so every quick run gives the same p-values (not the ones"
		echo "below: each quick test reads the stream from its start, while \`-a\` runs the tests one after another)."
		echo
		echo "dieharder's own ratings (\`dieharder -l\`): diehard_opso, diehard_oqso and diehard_dna are \"Suspect\","
		echo "diehard_sums is \"Do Not Use\"; they are run and shown anyway, as \`-a\` does."
		echo
		local head="| test | ntup" sep="|---|---:"
		for s in "${have[@]}"; do head+=" | $s p-value | $s assessment"; sep+="|---:|---"; done
		echo "$head |"
		echo "$sep|"
		# Join the streams on (test, ntup, k): every key of any stream, in
		# battery order (the longest TSV's, then keys only others have).
		local tsvs=()
		for s in "${have[@]}"; do tsvs+=("$out/$s.tsv"); done
		# shellcheck disable=SC2046 # file names without spaces
		awk -F'\t' 'FNR > 1 && !seen[$1 FS $2 FS $3]++ { print $1 "\t" $2 "\t" $3 }' \
			$(wc -l "${tsvs[@]}" | sort -rn | awk '$2 != "total" { print $2 }') |
		while IFS=$'\t' read -r t nt k; do
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
	for s in $streams; do
		# shellcheck disable=SC2046 # the extra file is optional
		tsv "$out/$s.raw" $([ -f "$out/$s.extra.raw" ] && echo "$out/$s.extra.raw") >"$out/$s.tsv"
	done
	markdown "$out.md"
	exit 0
fi

# --- quick: the CI subset ---------------------------------------------------
if [ "$mode" = quick ]; then
	step "quick subset: dieharder tests ${QUICK[*]} on stream(s) $streams, side by side"
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
	rm -f "$out/$s.extra.raw" "$out/$s.extra.cmd" # from a stopped run
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
