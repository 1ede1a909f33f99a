module github.com/dropkernel/dropout/internal/gcenv

go 1.26.0
