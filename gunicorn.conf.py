"""gunicorn settings for production (`make serve`, or `gunicorn -c gunicorn.conf.py wsgi:app`).

Environment: WEB_CONCURRENCY (workers, default 2 × cores + 1), BIND (default 127.0.0.1:8000),
plus the application's own settings (DATABASE_URL, SECRET_KEY, … see README.md)."""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # exports of many rows stream for a while
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then
max_requests_jitter = 200
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(_server, worker):
    """/metrics with PROMETHEUS_MULTIPROC_DIR: a dead worker's gauges leave the sums (views/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
