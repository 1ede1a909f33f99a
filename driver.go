package dropout

// The driver: it turns one checked public call into kernel calls on the
// active path (dispatch.go). The stream ops (Forward, BackwardKey, the fused
// ops, Draws) are cut at stream-block boundaries, each block seeded and
// skipped to the call's first position; the element-by-element heads and
// tails of a block are done here, in Go, the whole 64-element groups by the
// path's kernels.

// operands are the slices of one stream call. u != nil: draws to u.
// Otherwise y = x*factor, with keep bits to mask unless nil; with res,
// y = res + T(x*factor); with bias too, x[i] is replaced by
// T(x[i] + bias[(biasOff+i)%len(bias)]) first.
type operands[T Float] struct {
	y, x    []T
	res     []T
	bias    []T
	biasOff int
	u       []uint32
	mask    Mask
}

// stream runs the stream kernels over a call (see operands). It cuts the call
// at block boundaries, seeds each block, skips to the first position, does
// the part before the first 64-aligned stream position and the part after
// the last one element by element, and the rest with the active path.
func stream[T Float](c config, o *operands[T], key Key) {
	n := len(o.x)
	if o.u != nil {
		n = len(o.u)
	}
	if n == 0 {
		return
	}
	// The lane state first: Go zeroes it with 16-byte stores, and the fwd
	// kernels load it 32 bytes at a time after the seed kernel's stores;
	// declared just before the loop, that cost 5 ns a call (Zen 3 VM).
	var st lanes
	p := active.Load()
	if o.mask != nil {
		o.mask = o.mask[:MaskLen(n)]
		if key.Offset%64 != 0 {
			clearPieces(o.mask) // keep bits are ORed in at a shift
		} else {
			o.mask[len(o.mask)-1] = 0 // only the last word can be partial
		}
	}
	e := elem[T]{operands: o, thr: c.thr, sb: sb[T](c), nt: useNT[T](p, n)}
	base := streamBase(key.Seed)
	pos := key.Offset
	for i := 0; i < n; {
		j := int(pos % BlockSize) // position inside the block
		seg := min(n-i, BlockSize-j)
		p.seed(&st, base, pos/BlockSize)
		p.skip(&st, j/Lanes)
		// Head: element by element up to the next 64-aligned position.
		h := min(seg, (64-j%64)%64)
		if h > 0 {
			e.run(&st, j%Lanes, i, h)
		}
		// Body: whole 64-element groups in the kernels (st at lane 0 of a
		// step).
		b := (seg - h) &^ 63
		if k := i + h; b > 0 {
			switch {
			case e.u != nil:
				p.draws(&st, e.u[k:k+b])
			case e.bias != nil:
				e.biasBody(p, &st, k, b)
			default:
				e.kernel(p, &st, k, b, e.x[k:k+b])
			}
		}
		// Tail: element by element.
		if t := seg - h - b; t > 0 {
			e.run(&st, 0, i+h+b, t)
		}
		i += seg
		pos += uint64(seg)
	}
	if e.nt {
		p.fence()
	}
}

// elem holds one stream call's operands for the element-by-element parts.
// It points to them: a copy of operands, just written by the caller, would
// be read back with wider loads than its stores, which the store-to-load
// forwarding cannot serve (measured: 20 ns a call on the Zen 3 VM).
type elem[T Float] struct {
	*operands[T]
	thr uint32
	sb  uint64 // bits of the keep factor
	nt  bool   // non-temporal stores: the call is too big for the caches
}

// run processes c elements from call index i, the first being lane l of
// st's current step, advancing st past every step it completes.
func (e *elem[T]) run(st *lanes, l, i, c int) {
	for ; c > 0; c-- {
		v := st.draw(l)
		if e.u != nil {
			e.u[i] = v
		} else {
			keep := keepMask(v, e.thr)
			xv := e.x[i]
			if e.bias != nil {
				xv = T(xv + e.bias[(e.biasOff+i)%len(e.bias)])
			}
			yv := T(xv * fromBits[T](keep&e.sb)) // T(): no fused multiply-add
			if e.res != nil {
				yv = e.res[i] + yv
			}
			e.y[i] = yv
			if e.mask != nil {
				e.mask[i>>6] |= keep & 1 << uint(i&63)
			}
		}
		i++
		if l++; l == Lanes {
			st.skip(1)
			l = 0
		}
	}
}

// biasBody runs the kernel over b elements (a multiple of 64) from call
// index i for BiasDropoutAdd: t = x + bias in an L1-sized buffer, then the
// kernel on t; the same roundings as the unfused sequence. Its own function:
// the buffer would make stream's frame 8 KiB.
func (e *elem[T]) biasBody(p *path, st *lanes, i, b int) {
	var t [biasChunk]T
	for b > 0 {
		c := min(b, biasChunk)
		addBias(p, t[:c], e.x[i:i+c], e.bias, e.biasOff+i)
		e.kernel(p, st, i, c, t[:c])
		i += c
		b -= c
	}
}

const biasChunk = 1024

// addBias sets t[k] = x[k] + bias[(i0+k)%len(bias)], in runs that do not
// wrap around the bias.
func addBias[T Float](p *path, t, x, bias []T, i0 int) {
	j := i0 % len(bias)
	for len(t) > 0 {
		r := min(len(t), len(bias)-j)
		add(p, t[:r], x[:r], bias[j:j+r])
		t, x = t[r:], x[r:]
		j = 0
	}
}

// kernel runs the fwd kernel over b elements of x (the call's x or the
// bias buffer) into y and the mask from call index i.
func (e *elem[T]) kernel(p *path, st *lanes, i, b int, x []T) {
	y := e.y[i : i+b]
	var res []T
	if e.res != nil {
		res = e.res[i : i+b]
	}
	switch {
	case e.mask == nil:
		fwd(p, st, y, x, res, nil, e.thr, e.sb, e.nt)
	case i%64 == 0:
		fwd(p, st, y, x, res, e.mask[i/64:(i+b)/64], e.thr, e.sb, e.nt)
	default:
		e.shifted(p, st, i, y, x, res)
	}
}

// shifted is kernel where the stream's 64-groups straddle mask words: it
// takes the bits to a buffer and ORs them in at the shift (the words were
// cleared). Its own function: the buffer would make kernel's frame 1 KiB.
func (e *elem[T]) shifted(p *path, st *lanes, i int, y, x, res []T) {
	var buf [BlockSize / 64]uint64
	w := buf[:len(x)/64]
	fwd(p, st, y, x, res, w, e.thr, e.sb, e.nt)
	q, sh := i/64, uint(i%64)
	for _, v := range w {
		e.mask[q] |= v << sh
		e.mask[q+1] |= v >> (64 - sh)
		q++
	}
}

// backward is Backward's driver: the bwd kernel with the keep factor.
func backward[T Float](c config, dx, dy []T, mask Mask) {
	p := active.Load()
	bwd(p, dx, dy, mask, sb[T](c), useNT[T](p, len(dy)))
}

// infer is Infer's driver: a copy for Inverted (nothing when y is x), the
// scale kernel with T(1-p) for Classic.
func infer[T Float](c config, y, x []T) {
	if c.mode == Inverted {
		if len(x) > 0 && &y[0] != &x[0] {
			copyPieces(y, x)
		}
		return
	}
	p := active.Load()
	scale(p, y, x, infBits[T](c), useNT[T](p, len(x)))
}

// channels applies one factor per channel of size elements. With key, the
// keep bits come from the stream (and go to mask unless nil); without, from
// mask. The elements go through the bwd kernel with the keep bit of each
// element's channel spread over it: dy * (bit ? sb : +0) is x * factor_c,
// element for element, and one kernel call covers a chunk of elements
// however many channels it holds. (One scale call per channel took 37 ns
// an element for channels of 1 element, 0.9 for channels of 49, on the
// Zen 3 VM: each went through the kernel's 64-element tail buffer.)
func channels[T Float](c config, y, x []T, size int, mask Mask, key *Key) {
	const (
		batch = 1024 // channels per round of keep bits
		chunk = 8192 // elements per bwd call
	)
	if size == 1 {
		// A channel per element is plain dropout: channel c draws from
		// position key.Offset+c as element c does, and has bit c.
		if key != nil {
			stream(c, &operands[T]{y: y, x: x, mask: mask}, *key)
		} else {
			backward(c, y, x, mask)
		}
		return
	}
	p := active.Load()
	nt := useNT[T](p, len(x))
	sb := sb[T](c)
	chans := len(x) / size
	var (
		u     [batch]uint32
		keep  [batch / 64]uint64 // keep bits of the round's channels
		words [chunk / 64]uint64 // keep bits of a chunk's elements
	)
	for c0 := 0; c0 < chans; c0 += batch {
		nc := min(batch, chans-c0)
		kw := keep[:MaskLen(nc)]
		if key != nil {
			Draws(u[:nc], Key{Seed: key.Seed, Offset: key.Offset + uint64(c0)})
			for w := range kw {
				var bits uint64 // built in a register, stored once
				for j, v := range u[64*w : min(64*w+64, nc)] {
					bits |= keepMask(v, c.thr) & 1 << uint(j)
				}
				kw[w] = bits
			}
			if mask != nil {
				copy(mask[c0/64:], kw) // whole words: bits past the channels are 0
			}
		} else {
			copy(kw, mask[c0/64:]) // bits past channel nc-1 are never read
		}
		lo, hi := c0*size, (c0+nc)*size
		for a := lo; a < hi; a += chunk {
			b := min(hi, a+chunk)
			w := words[:MaskLen(b-a)]
			spreadKeep(w, kw, size, a-lo, b-lo)
			bwd(p, y[a:b], x[a:b], w, sb, nt)
		}
	}
}

// spreadKeep sets words to the keep bits of elements [lo, hi) of a round of
// channels of size elements: bit i of words is bit (lo+i)/size of keep.
func spreadKeep(words, keep []uint64, size, lo, hi int) {
	clear(words)
	for k := lo / size; k*size < hi; k++ {
		if keep[k/64]>>uint(k%64)&1 == 0 {
			continue
		}
		// The channel's elements in [lo, hi), as bits from lo.
		for i, j := max(k*size, lo)-lo, min((k+1)*size, hi)-lo; i < j; {
			r := min(j-i, 64-i%64) // the run's bits in word i/64
			words[i/64] |= ^uint64(0) >> uint(64-r) << uint(i%64)
			i += r
		}
	}
}

// columnSums sets sum[j] to the sum in T of the column j of rows (rows of
// len(sum) elements), row by row: the first row, then + each later row.
func columnSums[T Float](sum, rows []T) {
	nb := len(sum)
	if len(rows) == 0 {
		clearPieces(sum)
		return
	}
	copyPieces(sum, rows[:nb])
	p := active.Load()
	for r := nb; r < len(rows); r += nb {
		add(p, sum, sum, rows[r:r+nb])
	}
}
