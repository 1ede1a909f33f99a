package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotRuns draws the book's figure for both runs on one plot: accuracy
// against epochs, training curves solid with circles, test curves dashed
// with squares (a marker every 10 epochs, as the book's markevery=10), one
// colour per run, the legend at the lower right, y from 0 to 1. The file's
// extension picks the format (.png, .svg, .pdf, ...).
func plotRuns(file string, cfg config, nTrain, nTest int, runs []*result) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("MNIST, %d training images: 6×100 ReLU network, SGD, with and without dropout", nTrain)
	p.X.Label.Text = "epochs"
	p.Y.Label.Text = "accuracy"
	p.Y.Min, p.Y.Max = 0, 1
	p.X.Min = 0
	p.Title.Padding = vg.Points(8)
	p.Y.Tick.Marker = accuracyTicks{}
	p.Add(plotter.NewGrid())

	colors := map[bool]color.Color{
		false: color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
		true:  color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
	}
	for _, r := range runs {
		name := "no dropout"
		if r.Dropout {
			name = fmt.Sprintf("dropout %g", cfg.Ratio)
		}
		curves := []struct {
			label  string
			acc    []float64
			dashes []vg.Length
			shape  draw.GlyphDrawer
		}{
			{fmt.Sprintf("%s, train (%d images)", name, nTrain), r.TrainAcc, nil, draw.CircleGlyph{}},
			{fmt.Sprintf("%s, test (%d images)", name, nTest), r.TestAcc, []vg.Length{vg.Points(5), vg.Points(3)}, draw.BoxGlyph{}},
		}
		if r.Dropout { // open markers for the dropout run
			curves[0].shape, curves[1].shape = draw.RingGlyph{}, draw.SquareGlyph{}
		}
		for _, c := range curves {
			all := make(plotter.XYs, len(c.acc))
			var marks plotter.XYs
			for i, a := range c.acc {
				all[i] = plotter.XY{X: float64(i), Y: a}
				if i%10 == 0 {
					marks = append(marks, all[i])
				}
			}
			line, err := plotter.NewLine(all)
			if err != nil {
				return err
			}
			line.Color = colors[r.Dropout]
			line.Width = vg.Points(1.2)
			line.Dashes = c.dashes
			dots, err := plotter.NewScatter(marks)
			if err != nil {
				return err
			}
			dots.Color = colors[r.Dropout]
			dots.Shape = c.shape
			dots.Radius = vg.Points(2.5)
			p.Add(line, dots)
			p.Legend.Add(c.label, line, dots)
		}
	}
	p.Legend.Top, p.Legend.Left = false, false // lower right, as the book's legend(loc='lower right')
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(6), vg.Points(6)
	p.Legend.ThumbnailWidth = vg.Points(28)
	return p.Save(8*vg.Inch, 5*vg.Inch, file)
}

// accuracyTicks marks every 0.1 from 0 to 1, labelled every 0.2.
type accuracyTicks struct{}

// Ticks implements plot.Ticker.
func (accuracyTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		if v < min || v > max {
			continue
		}
		label := ""
		if i%2 == 0 {
			label = fmt.Sprintf("%.1f", v)
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	return ticks
}
