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

// writePlot draws throughput (elements/s) against size, both on log scales,
// one panel per op and the legend in the fourth tile, to a PNG file.
func (res *result) writePlot(path string) error {
	type style struct {
		line  draw.LineStyle
		glyph draw.GlyphStyle
	}
	styles := make([]style, len(res.rows))
	k := 0
	for i, name := range res.rows {
		if name == "copy" {
			styles[i] = style{
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
		styles[i] = style{
			line:  draw.LineStyle{Color: rs.color, Width: vg.Points(1.8), Dashes: dashes},
			glyph: draw.GlyphStyle{Color: rs.color, Radius: vg.Points(3.5), Shape: rs.glyph},
		}
	}

	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.ThumbnailWidth = vg.Points(36)
	legend.TextStyle.Font.Size = vg.Points(13)
	legend.Padding = vg.Points(4)
	inLegend := map[int]bool{}

	var panels []*plot.Plot
	for _, o := range res.ops {
		p := plot.New()
		threads := "1 core"
		if res.cfg.threads > 1 {
			threads = fmt.Sprintf("%d threads", res.cfg.threads)
		}
		p.Title.Text = fmt.Sprintf("%s (p = %v, %s)", o, res.cfg.p, threads)
		p.Title.TextStyle.Font.Size = vg.Points(15)
		p.X.Label.Text = "elements"
		p.Y.Label.Text = "elements / s"
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker = sizeTicks(res.sizes)
		p.Y.Tick.Marker = siTicks{}
		p.Add(plotter.NewGrid())
		drawn := false
		// copy last, on top of everything.
		order := make([]int, 0, len(res.rows))
		for i, name := range res.rows {
			if name != "copy" {
				order = append(order, i)
			}
		}
		for i, name := range res.rows {
			if name == "copy" {
				order = append(order, i)
			}
		}
		for _, i := range order {
			var pts plotter.XYs
			for si, n := range res.sizes {
				ns := res.ns[o][i][si]
				if math.IsNaN(ns) || ns <= 0 {
					continue
				}
				pts = append(pts, plotter.XY{X: float64(n), Y: 1e9 / ns})
			}
			if len(pts) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(pts)
			if err != nil {
				return err
			}
			l.LineStyle, s.GlyphStyle = styles[i].line, styles[i].glyph
			p.Add(l, s)
			drawn = true
			inLegend[i] = true
		}
		if drawn {
			// Room around the extreme points: the glyphs and the
			// thick copy line must not touch the frame.
			p.X.Min, p.X.Max = padLog(p.X.Min, p.X.Max, 1.6)
			p.Y.Min, p.Y.Max = padLog(p.Y.Min, p.Y.Max, 1.6)
			panels = append(panels, p)
		}
	}
	// Legend entries in row order.
	for i, name := range res.rows {
		if !inLegend[i] {
			continue
		}
		if name == "copy" {
			name = "copy() = memory-bandwidth reference"
		}
		ls, gs := styles[i].line, styles[i].glyph
		l := &plotter.Line{LineStyle: ls}
		s := &plotter.Scatter{GlyphStyle: gs}
		legend.Add(name, l, s)
	}
	if len(panels) == 0 {
		return fmt.Errorf("nothing to plot")
	}

	const cols = 2
	grid := [][]*plot.Plot{{nil, nil}, {nil, nil}}
	for i, p := range panels {
		grid[i/cols][i%cols] = p
	}
	w, h := 13*vg.Inch, 10*vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(100))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: cols, PadX: vg.Points(14), PadY: vg.Points(14), PadTop: vg.Points(10), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(14)}
	canvases := plot.Align(grid, tiles, dc)
	for r := range grid {
		for c, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	// The legend fills the first free tile, with a note on what is drawn.
	free := tiles.At(dc, len(panels)%cols, len(panels)/cols)
	if len(panels) < 4 {
		legend.Draw(draw.Crop(free, vg.Points(40), 0, 0, -vg.Points(40)))
		cpu, detail, _ := strings.Cut(res.env.cpu, " (")
		note := fmt.Sprintf("%s\n(%s\n%s/%s, %s, GOMAXPROCS=%d; median of %d interleaved repetitions",
			cpu, detail, res.env.goos, res.env.goarch, res.env.goVersion, res.env.gomaxprocs, res.cfg.reps)
		sty := legend.TextStyle
		sty.Font.Size = vg.Points(10)
		sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
		free.FillText(sty, vg.Point{X: free.Min.X + vg.Points(40), Y: free.Min.Y + vg.Points(6)}, note)
	}

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

// sizeTicks labels the measured sizes: the element count and the bytes of
// one float32 operand (to read against the cache sizes).
type sizeTicks []int

func (st sizeTicks) Ticks(lo, hi float64) []plot.Tick {
	var t []plot.Tick
	for _, n := range st {
		if v := float64(n); v >= lo && v <= hi {
			t = append(t, plot.Tick{Value: v, Label: fmt.Sprintf("%d\n(%s)", n, byteSize(4*n))})
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
