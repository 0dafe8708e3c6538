package main

import "os"

// benchUnguarded makes writing runs take no target lock, for bench/ only:
// it measures that locks cost nothing (issue 13), together with
// importers/imap's progress deadlines, which the same environment
// variable turns off. Not a user option; the README does not mention it.
var benchUnguarded = os.Getenv("MAILFERRY_BENCH_UNGUARDED") == "1"
