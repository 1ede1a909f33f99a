package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// rowStyle is how one row is drawn: a colour, a marker and a dash
// pattern, so that rows whose points cluster (naive/pcg, naive/chacha8,
// torch, gorgonia and spago in the Forward panel) stay apart even in
// grey-scale.
type rowStyle struct {
	color  color.Color
	glyph  draw.GlyphDrawer
	dashes []float64 // points; nil: solid
}

// rowStyles are the styles of the rows a default run has; other rows
// (parallel/<path>, dropout/neon, ...) take the fallbacks in order.
var rowStyles = map[string]rowStyle{
	"scale":           {color.RGBA{0x7f, 0x7f, 0x7f, 0xff}, draw.RingGlyph{}, []float64{2, 2}},
	"dropout/avx512":  {color.RGBA{0x1f, 0x77, 0xb4, 0xff}, draw.CircleGlyph{}, nil},
	"dropout/avx2":    {color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, draw.BoxGlyph{}, nil},
	"dropout/neon":    {color.RGBA{0x17, 0xbe, 0xcf, 0xff}, draw.PyramidGlyph{}, nil},
	"dropout/generic": {color.RGBA{0xff, 0x7f, 0x0e, 0xff}, draw.PyramidGlyph{}, nil},
	"naive/pcg":       {color.RGBA{0xd6, 0x27, 0x28, 0xff}, crossGlyph{}, []float64{7, 3}},
	"naive/chacha8":   {color.RGBA{0xe3, 0x77, 0xc2, 0xff}, plusGlyph{}, []float64{1.5, 2.5}},
	"gorgonia":        {color.RGBA{0x94, 0x67, 0xbd, 0xff}, draw.SquareGlyph{}, []float64{9, 3, 2, 3}},
	"spago":           {color.RGBA{0x8c, 0x56, 0x4b, 0xff}, draw.TriangleGlyph{}, []float64{14, 4}},
	"numpy":           {color.RGBA{0xbc, 0xbd, 0x22, 0xff}, diamondGlyph{}, []float64{4, 2}},
	"torch":           {color.RGBA{0x00, 0x00, 0x80, 0xff}, diamondGlyph{open: true}, []float64{9, 2, 2, 2, 2, 2}},
}

var fallbackStyles = []rowStyle{
	{color.RGBA{0x00, 0x80, 0x80, 0xff}, draw.CircleGlyph{}, []float64{5, 2}},
	{color.RGBA{0x80, 0x00, 0x00, 0xff}, draw.BoxGlyph{}, []float64{2, 4}},
	{color.RGBA{0x55, 0x6b, 0x2f, 0xff}, crossGlyph{}, []float64{10, 3}},
	{color.RGBA{0xff, 0x45, 0x00, 0xff}, diamondGlyph{}, nil},
}

// crossGlyph and plusGlyph are draw.CrossGlyph and draw.PlusGlyph with
// strokes wide enough to see; diamondGlyph is a filled (or open) diamond.
type (
	crossGlyph   struct{}
	plusGlyph    struct{}
	diamondGlyph struct{ open bool }
)

func (crossGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	ls := draw.LineStyle{Color: sty.Color, Width: vg.Points(1.8)}
	r := sty.Radius
	c.StrokeLine2(ls, pt.X-r, pt.Y-r, pt.X+r, pt.Y+r)
	c.StrokeLine2(ls, pt.X-r, pt.Y+r, pt.X+r, pt.Y-r)
}

func (plusGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	ls := draw.LineStyle{Color: sty.Color, Width: vg.Points(1.8)}
	r := sty.Radius * 1.3
	c.StrokeLine2(ls, pt.X, pt.Y-r, pt.X, pt.Y+r)
	c.StrokeLine2(ls, pt.X-r, pt.Y, pt.X+r, pt.Y)
}

func (g diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.3
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	if g.open {
		c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5)})
		c.Stroke(p)
		return
	}
	c.SetColor(sty.Color)
	c.Fill(p)
}

// padLog widens [lo, hi] by the factor f on each side (on a log scale), so
// that the glyphs of the extreme points are not cut by the frame.
func padLog(lo, hi, f float64) (float64, float64) { return lo / f, hi * f }

// writePlot draws throughput (elements/s) against the bytes of x, both on
// log scales, one panel per op and dtype, to a PNG file. With one dtype
// the three panels and the legend tile a 2 x 2 grid; with two, each dtype
// is a row of panels (the same y range in each op's column, so that the
// float32 and float64 panels read against each other) and the legend is
// a column of its own on the right.
func (res *result) writePlot(path string) error {
	type style struct {
		line  draw.LineStyle
		glyph draw.GlyphStyle
	}
	// One style per row name, the same in every dtype.
	styles := map[string]style{}
	var names []string // in row order, each once
	k := 0
	for _, name := range res.rows {
		if _, ok := styles[name]; ok {
			continue
		}
		names = append(names, name)
		if name == "copy" {
			styles[name] = style{
				line:  draw.LineStyle{Color: color.Black, Width: vg.Points(3.5), Dashes: []vg.Length{vg.Points(8), vg.Points(4)}},
				glyph: draw.GlyphStyle{Color: color.Black, Radius: vg.Points(4), Shape: draw.BoxGlyph{}},
			}
			continue
		}
		rs, ok := rowStyles[name]
		if !ok {
			rs = fallbackStyles[k%len(fallbackStyles)]
			k++
		}
		var dashes []vg.Length
		for _, d := range rs.dashes {
			dashes = append(dashes, vg.Points(d))
		}
		styles[name] = style{
			line:  draw.LineStyle{Color: rs.color, Width: vg.Points(1.8), Dashes: dashes},
			glyph: draw.GlyphStyle{Color: rs.color, Radius: vg.Points(3.5), Shape: rs.glyph},
		}
	}

	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.ThumbnailWidth = vg.Points(36)
	legend.TextStyle.Font.Size = vg.Points(13)
	legend.Padding = vg.Points(4)
	inLegend := map[string]bool{}

	types := res.dtypes()
	threads := "1 core"
	if res.cfg.threads > 1 {
		threads = fmt.Sprintf("%d threads", res.cfg.threads)
	}
	// panels[d][c]: dtype d, the c-th op that has points (nil: none).
	panels := make([][]*plot.Plot, len(types))
	var ops []op
	for di, d := range types {
		for _, o := range res.ops {
			p := plot.New()
			p.Title.Text = fmt.Sprintf("%s, %s (p = %v, %s)", o, d, res.cfg.p, threads)
			p.Title.TextStyle.Font.Size = vg.Points(15)
			p.X.Label.Text = "bytes of x (n = elements)"
			p.Y.Label.Text = "elements / s"
			p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
			p.X.Tick.Marker = sizeTicks{res.sizes, d}
			p.Y.Tick.Marker = siTicks{}
			p.Add(plotter.NewGrid())
			drawn := false
			// copy last, on top of everything.
			var order []int
			for i, name := range res.rows {
				if res.types[i] == d && name != "copy" {
					order = append(order, i)
				}
			}
			if i := res.index("copy", d); i >= 0 {
				order = append(order, i)
			}
			for _, i := range order {
				var pts plotter.XYs
				for si, sz := range res.sizes {
					ns := res.ns[o][i][si]
					if math.IsNaN(ns) || ns <= 0 {
						continue
					}
					pts = append(pts, plotter.XY{X: float64(sz.n(d) * d.size()), Y: 1e9 / ns})
				}
				if len(pts) == 0 {
					continue
				}
				l, s, err := plotter.NewLinePoints(pts)
				if err != nil {
					return err
				}
				st := styles[res.rows[i]]
				l.LineStyle, s.GlyphStyle = st.line, st.glyph
				p.Add(l, s)
				drawn = true
				inLegend[res.rows[i]] = true
			}
			if !drawn {
				p = nil
			}
			if di == 0 {
				ops = append(ops, o)
			}
			panels[di] = append(panels[di], p)
		}
	}
	// The same ranges in each op's column (the dtypes' x values differ
	// only with -sizes in elements), then room around the extreme points:
	// the glyphs and the thick copy line must not touch the frame.
	var count int
	for c := range ops {
		xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for di := range types {
			if p := panels[di][c]; p != nil {
				xlo, xhi = min(xlo, p.X.Min), max(xhi, p.X.Max)
				ylo, yhi = min(ylo, p.Y.Min), max(yhi, p.Y.Max)
			}
		}
		for di := range types {
			if p := panels[di][c]; p != nil {
				p.X.Min, p.X.Max = padLog(xlo, xhi, 1.6)
				p.Y.Min, p.Y.Max = padLog(ylo, yhi, 1.6)
				count++
			}
		}
	}
	if count == 0 {
		return fmt.Errorf("nothing to plot")
	}
	// Legend entries in row order.
	for _, name := range names {
		if !inLegend[name] {
			continue
		}
		st := styles[name]
		label := name
		if name == "copy" {
			label = "copy() = memory-bandwidth reference"
		}
		legend.Add(label, &plotter.Line{LineStyle: st.line}, &plotter.Scatter{GlyphStyle: st.glyph})
	}
	cpu, detail, _ := strings.Cut(res.env.cpu, " (")
	detail = strings.Replace(detail, ", L1d", ",\nL1d", 1) // two short lines: the legend tile is narrow
	clock := ""
	if res.cfg.clock == "thread" {
		clock = " (-clock thread)"
	}
	note := fmt.Sprintf("%s\n(%s\n%s/%s, %s, GOMAXPROCS=%d;\nmedian of %d interleaved repetitions%s",
		cpu, detail, res.env.goos, res.env.goarch, res.env.goVersion, res.env.gomaxprocs, res.cfg.reps, clock)
	noteStyle := legend.TextStyle
	noteStyle.Font.Size = vg.Points(10)
	noteStyle.XAlign, noteStyle.YAlign = draw.XLeft, draw.YBottom

	// The grid: one dtype, the panels in reading order on 2 columns and
	// the legend in the first free tile; two dtypes, a row per dtype and
	// a legend column.
	var grid [][]*plot.Plot
	var legendAt [2]int // column, row of the legend tile
	var w, h vg.Length
	if len(types) == 1 {
		var ps []*plot.Plot
		for _, p := range panels[0] {
			if p != nil {
				ps = append(ps, p)
			}
		}
		rows := (len(ps) + 2) / 2 // room for the legend
		grid = make([][]*plot.Plot, rows)
		for r := range grid {
			grid[r] = make([]*plot.Plot, 2)
		}
		for i, p := range ps {
			grid[i/2][i%2] = p
		}
		legendAt = [2]int{len(ps) % 2, len(ps) / 2}
		w, h = 13*vg.Inch, 5*vg.Length(rows)*vg.Inch
	} else {
		cols := len(ops) + 1
		grid = make([][]*plot.Plot, len(types))
		for r := range grid {
			grid[r] = append(panels[r][:len(ops):len(ops)], nil)
		}
		legendAt = [2]int{cols - 1, 0}
		w, h = 5.6*vg.Length(cols)*vg.Inch, 5*vg.Length(len(types))*vg.Inch
	}
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(100))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(grid), Cols: len(grid[0]), PadX: vg.Points(14), PadY: vg.Points(14), PadTop: vg.Points(10), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(14)}
	canvases := plot.Align(grid, tiles, dc)
	for r := range grid {
		for c, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	// The legend fills its tile (and the one below it with two dtypes),
	// with a note on what is drawn at the bottom.
	free := tiles.At(dc, legendAt[0], legendAt[1])
	if len(types) > 1 {
		below := tiles.At(dc, legendAt[0], len(grid)-1)
		free.Min.Y = below.Min.Y
	}
	legend.Draw(draw.Crop(free, vg.Points(40), 0, 0, -vg.Points(40)))
	free.FillText(noteStyle, vg.Point{X: free.Min.X + vg.Points(40), Y: free.Min.Y + vg.Points(6)}, note)

	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sizeTicks labels the measured sizes on the bytes-of-x axis of a panel of
// dtype d: the bytes and the element count.
type sizeTicks struct {
	sizes []sizeSpec
	d     dtype
}

func (st sizeTicks) Ticks(lo, hi float64) []plot.Tick {
	var t []plot.Tick
	for _, sz := range st.sizes {
		n := sz.n(st.d)
		if v := float64(n * st.d.size()); v >= lo && v <= hi {
			t = append(t, plot.Tick{Value: v, Label: fmt.Sprintf("%s\n(n = %d)", byteSize(n*st.d.size()), n)})
		}
	}
	return t
}

func byteSize(b int) string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", b>>30)
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return fmt.Sprintf("%d B", b)
}

// siTicks puts labelled ticks at 1, 2 and 5 times the powers of ten
// ("500M", "1G", "2G") and unlabelled ones at the other integers.
type siTicks struct{}

func (siTicks) Ticks(lo, hi float64) []plot.Tick {
	var t []plot.Tick
	if lo <= 0 || hi <= lo {
		return t
	}
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo || v > hi {
				continue
			}
			label := ""
			if m == 1 || m == 2 || m == 5 {
				label = siLabel(v)
			}
			t = append(t, plot.Tick{Value: v, Label: label})
		}
	}
	return t
}

func siLabel(v float64) string {
	for _, u := range []struct {
		f float64
		s string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= u.f {
			return strconv.FormatFloat(v/u.f, 'g', 3, 64) + u.s
		}
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
