package netconn

import "os"

// benchUnguarded turns the progress deadlines off (no timer, no time
// stamp per read, writes not cut into pieces), for bench/ only: it
// measures that they cost nothing (issue 13). Not a user option: it is
// read from the environment variable MAILFERRY_BENCH_UNGUARDED, which
// only the bench sets and the README does not mention.
var benchUnguarded = os.Getenv("MAILFERRY_BENCH_UNGUARDED") == "1"
