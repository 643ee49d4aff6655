"""Load and latency benchmarks (not tests): `make bench` runs benchmarks/run.py."""
