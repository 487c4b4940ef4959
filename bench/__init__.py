"""Benchmark tooling: `flask --app wsgi bench seed --scale S` and `flask --app wsgi bench run` (see bench/cli.py)."""
