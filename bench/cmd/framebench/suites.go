package main

// A suite is one package's side-by-side benchmarks. Its benchmark functions
// must name sub-benchmarks size=N/impl=NAME (N in bytes, b.SetBytes(N)),
// with one impl being the baseline the others are compared with.
type suite struct {
	Name     string // short name, used for output files
	Title    string // chart and table title
	Pkg      string // package pattern for go test
	Bench    string // -bench regexp
	Baseline string // impl name of the reference implementation
}

// suites lists the benchmarks framebench runs, in order. Adding a package
// is one line here.
var suites = []suite{
	{Name: "gcm", Title: "AES-256-GCM (frame/internal/gcm)", Pkg: "./frame/internal/gcm", Bench: "^Benchmark(Seal|Open)$", Baseline: "stdlib"},
	{Name: "sframe", Title: "SFrame Seal/Open, AES_256_GCM_SHA512_128 (frame)", Pkg: "./frame", Bench: "^Benchmark(Seal|Open)$", Baseline: "raw"},
}
