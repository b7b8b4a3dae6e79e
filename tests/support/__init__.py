"""What the tests and the benchmarks share: the fake PAVE server and the golden-file comparison."""
