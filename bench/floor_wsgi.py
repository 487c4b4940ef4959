"""What `bench run` serves: the app (``XMT_BENCH_APP``, default ``wsgi:app``) with the floor pages of
bench/floor.py mounted at /_floor, in the same gunicorn worker."""
import importlib
import os

from bench.floor import wrap

_module, _name = os.environ.get("XMT_BENCH_APP", "wsgi:app").split(":")
app = wrap(getattr(importlib.import_module(_module), _name))
