"""Benchmarks: each prints its figure beside the ceiling or peer measured in the same run."""
