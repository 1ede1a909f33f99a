// Command rngstream writes dropout's 24-bit draws to stdout as a packed bit
// stream, for third-party randomness batteries (scripts/rngtest.sh pipes it
// to `dieharder -g 200`). It lives in the bench module because it is a
// generator front end, not part of the library.
//
//	rngstream                 seed 1 from offset 0, forever
//	rngstream -seeds 1,2,3    seeds 1, 2, 3 interleaved draw by draw
//	rngstream -n 4            stop after 4 draws (12 bytes)
//	rngstream -kernel         print the dropout kernel in use and exit
//
// Packing: 24 bits per draw, no padding, draws in stream order. Bit k of the
// stream is bit k%8 of byte k/8 (LSB first), and draw i occupies stream bits
// 24i .. 24i+23 with its least significant bit first; that is, each draw is
// written as 3 little-endian bytes, so 4 draws make 12 bytes. dieharder's raw
// input reads native 32-bit words, so on a little-endian host its word j is
// stream bits 32j .. 32j+31 (bit 0 = stream bit 32j): every word straddles
// draw boundaries and every bit of every draw is used.
//
// With several seeds, the output is draw i of each seed in the order given,
// then draw i+1 of each, and so on, every seed's key starting at offset
// -offset. It stops quietly (exit 0) when the reader closes the pipe.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/dropkernel/dropout"
)

// batch is the number of stream positions drawn per seed and per call to
// dropout.Draws: large enough that the per-call cost vanishes, small enough
// to stay in L2 (3 MiB of output per seed).
const batch = 1 << 20

func main() {
	seedList := flag.String("seeds", "1", "comma-separated seeds; more than one interleaves them draw by draw")
	offset := flag.Uint64("offset", 0, "stream position of the first draw (every seed)")
	n := flag.Uint64("n", 0, "draws per seed to write, then stop (0: forever)")
	kernel := flag.Bool("kernel", false, "print the dropout kernel in use (every kernel draws the same stream) and exit")
	flag.Parse()
	if *kernel {
		fmt.Println(dropout.Kernel())
		return
	}

	var seeds []uint64
	for _, s := range strings.Split(*seedList, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(s), 0, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rngstream: bad seed %q: %v\n", s, err)
			os.Exit(2)
		}
		seeds = append(seeds, v)
	}

	// A closed pipe is the normal end: make the write fail with EPIPE
	// instead of the runtime killing us with SIGPIPE.
	signal.Ignore(syscall.SIGPIPE)
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	err := write(w, seeds, *offset, *n)
	if err == nil {
		err = w.Flush()
	}
	if err != nil && !errors.Is(err, syscall.EPIPE) {
		fmt.Fprintln(os.Stderr, "rngstream:", err)
		os.Exit(1)
	}
}

// write writes count draws of each seed (forever if count is 0), interleaved,
// starting at stream position offset, packed as the package comment says.
func write(w io.Writer, seeds []uint64, offset, count uint64) error {
	k := len(seeds)
	u := make([][]uint32, k)
	for j := range u {
		u[j] = make([]uint32, batch)
	}
	out := make([]byte, 3*k*batch)
	for done := uint64(0); count == 0 || done < count; {
		m := uint64(batch)
		if count != 0 && count-done < m {
			m = count - done
		}
		for j, s := range seeds {
			dropout.Draws(u[j][:m], dropout.Key{Seed: s, Offset: offset + done})
		}
		b := out[:0]
		for i := range m {
			for j := range k {
				v := u[j][i]
				b = append(b, byte(v), byte(v>>8), byte(v>>16))
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		done += m
	}
	return nil
}
