package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/dropkernel/dropout"
)

// channelsGroup: ForwardChannels and BackwardChannels (-ops channels).
func channelsGroup() group {
	return group{name: "channels", ops: []op{opChannels, opChanBackward}, python: true, rows: channelRows, notes: channelNotes}
}

// channelRows: ForwardChannels with channels of rowLen elements against
// NumPy (one uniform per channel) and torch's F.dropout2d on (1, C, 32, 32).
func channelRows(cfg config, w *pyWorker, pyErr error) []row {
	ops := []op{opChannels, opChanBackward}
	rows := []row{copyRow(ops, releaseExtra)}
	rows = append(rows, perPath("channels", ops, releaseExtra, func(n int) (*calls, error) {
		if na := notRows(n); na != "" {
			return naCalls(ops, na), nil
		}
		b := sharedBufs(n)
		d, err := dropout.New[float32](cfg.p, dropout.Inverted)
		if err != nil {
			return nil, err
		}
		c := &calls{}
		c.f[opChannels] = func() {
			b.seed++
			d.ForwardChannels(b.y, b.x, rowLen, b.mask, dropout.Key{Seed: b.seed})
		}
		c.f[opChanBackward] = func() { d.BackwardChannels(b.dx, b.dy, rowLen, b.mask) }
		return c, nil
	})...)
	if w != nil || pyErr != nil {
		rows = append(rows,
			wholeRows(pyRow(w, pyErr, "numpy", "numpy", "", ops, nil)),
			wholeRows(pyRow(w, pyErr, "torch", "torch", "", ops, nil)))
	}
	return rows
}

func channelNotes(res *result) []string {
	var notes []string
	for _, o := range res.ops {
		for si, n := range res.sizes {
			var parts []string
			for _, path := range dropout.Kernels() {
				row := "channels/" + path
				r := res.ratio(o, row, "copy", si)
				if math.IsNaN(r) {
					continue
				}
				s := fmt.Sprintf("%s %.2fx copy", path, r)
				for _, peer := range []string{"numpy", "torch"} {
					if t := res.ratio(o, peer, row, si); !math.IsNaN(t) {
						s += fmt.Sprintf(", %.1fx faster than %s", t, peer)
					}
				}
				parts = append(parts, s)
			}
			if len(parts) > 0 {
				notes = append(notes, fmt.Sprintf("%s, n = %d (C = %d): %s", o, n, n/rowLen, strings.Join(parts, "; ")))
			}
		}
	}
	return notes
}
