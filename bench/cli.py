"""`flask --app wsgi bench …` — filled in by bench/seed.py and bench/run.py."""
import click
from flask.cli import AppGroup

bench_cli = AppGroup("bench", help="Generate benchmark data and measure the pages.")
