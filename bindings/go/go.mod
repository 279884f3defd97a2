module teeattest.dev/go/teeattest

go 1.19
