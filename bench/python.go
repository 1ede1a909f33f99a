package main

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

//go:embed pyworker.py
var pyWorkerSrc string

// pyWorker is the Python process that times the numpy and torch rows.
type pyWorker struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	libs map[string]pyLib
	desc string // versions, for the header
}

type pyLib struct {
	OK      bool   `json:"ok"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
	Threads int    `json:"threads"`
	// torch only: the name of a fused dropout-add operator in
	// torch.ops.aten ("" when there is none) and the dropout operators
	// torch.ops.aten has.
	FusedAdd    string   `json:"fused_add"`
	AtenDropout []string `json:"aten_dropout"`
}

// startPython starts the worker with interpreter python; on failure the
// error says why (the rows are then skipped with it).
func startPython(python string, p float64, threads int, clock string) (*pyWorker, error) {
	if _, err := exec.LookPath(python); err != nil {
		return nil, fmt.Errorf("no Python interpreter %s: %v", python, err)
	}
	cmd := exec.Command(python, "-c", pyWorkerSrc, strconv.FormatFloat(p, 'g', -1, 64), strconv.Itoa(threads), clock)
	t := strconv.Itoa(threads)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS="+t, "MKL_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s does not start: %v", python, err)
	}
	w := &pyWorker{cmd: cmd, in: in, out: bufio.NewScanner(outPipe)}
	w.out.Buffer(make([]byte, 1<<16), 1<<20)
	if !w.out.Scan() {
		w.close()
		return nil, fmt.Errorf("%s worker exited before reporting its imports: %v", python, w.out.Err())
	}
	if err := json.Unmarshal(w.out.Bytes(), &w.libs); err != nil {
		w.close()
		return nil, fmt.Errorf("%s worker: bad hello %q: %v", python, w.out.Text(), err)
	}
	ver, _ := exec.Command(python, "-c", "import sys; print(sys.version.split()[0])").Output()
	parts := []string{python + " " + strings.TrimSpace(string(ver))}
	for _, name := range []string{"numpy", "torch"} {
		if l := w.libs[name]; l.OK {
			s := name + " " + l.Version
			if l.Threads > 0 {
				s += fmt.Sprintf(" (%d threads)", l.Threads)
			}
			parts = append(parts, s)
		} else {
			parts = append(parts, name+" skipped: "+l.Reason)
		}
	}
	w.desc = strings.Join(parts, ", ")
	return w, nil
}

func (w *pyWorker) close() {
	w.in.Close()
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
}

// call sends one command and returns the seconds the worker reports.
func (w *pyWorker) call(cmd map[string]any) (float64, error) {
	b, _ := json.Marshal(cmd)
	if _, err := fmt.Fprintf(w.in, "%s\n", b); err != nil {
		return 0, fmt.Errorf("python worker: %v", err)
	}
	if !w.out.Scan() {
		return 0, fmt.Errorf("python worker exited: %v", w.out.Err())
	}
	var r struct {
		T   *float64 `json:"t"`
		Err string   `json:"err"`
	}
	if err := json.Unmarshal(w.out.Bytes(), &r); err != nil {
		return 0, fmt.Errorf("python worker: bad answer %q: %v", w.out.Text(), err)
	}
	if r.Err != "" {
		return 0, errors.New(r.Err)
	}
	if r.T == nil {
		return 0, fmt.Errorf("python worker: no time in %q", w.out.Text())
	}
	return *r.T, nil
}

// pythonRows are the numpy and torch rows of the classic ops on arrays of
// dtype d: skipped (with the reason) when the worker does not start or the
// library does not import.
func pythonRows(w *pyWorker, startErr error, d dtype) []row {
	return []row{
		pyRow(w, startErr, "numpy", "numpy", "", d, classicOps, nil),
		pyRow(w, startErr, "torch", "torch", "", d, classicOps, map[op]string{
			opInfer: "identity: F.dropout(x, training=False) returns x itself",
		}),
	}
}

// pyRow is a row timed by the Python worker: library lib ("numpy" or
// "torch"), the worker's code for each op of ops (by the op's name) and
// variant (a form of the op, "" for the only one), on arrays of dtype d;
// na are the ops the row has a line in but no code for. The row is
// skipped, with the reason, when the worker does not start or lib does not
// import.
func pyRow(w *pyWorker, startErr error, name, lib, variant string, d dtype, ops []op, na map[op]string) row {
	r := row{name: name, dtype: d, ops: ops}
	switch {
	case startErr != nil:
		r.skip = startErr.Error()
	case !w.libs[lib].OK:
		r.skip = w.libs[lib].Reason
		if r.skip == "" {
			r.skip = lib + " does not import"
		}
	default:
		r.prepare = func(n int) (*prepared, error) {
			pr := &prepared{}
			for _, o := range ops {
				if na[o] != "" {
					pr.na[o] = na[o]
					continue
				}
				pr.cells[o] = func(k int) (time.Duration, error) {
					s, err := w.call(map[string]any{"lib": lib, "op": o.String(), "variant": variant, "dtype": d.String(), "n": n, "k": k})
					return time.Duration(s * 1e9), err
				}
			}
			return pr, nil
		}
		r.release = func() { w.call(map[string]any{"free": true}) }
	}
	return r
}
