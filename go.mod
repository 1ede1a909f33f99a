module github.com/dropkernel/dropout

go 1.26
