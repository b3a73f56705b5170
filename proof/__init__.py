"""Long-running proofs (issue #9): load, faults and hostile input; run by `make proof`, not by `make test`."""
