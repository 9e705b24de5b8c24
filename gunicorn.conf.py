"""gunicorn's settings for CPNI Track, read from the working directory by every `gunicorn`
(the Docker image, docker-compose, `make prod-local`, `make bench`). Environment variables
override: WEB_CONCURRENCY (workers), GUNICORN_CMD_ARGS (anything else)."""

import gc
import multiprocessing
import os

# gunicorn's own advice for sync workers: two per core and one more, so that while one worker
# waits for the database another has the core.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
wsgi_app = "cpnitrack.wsgi:application"
accesslog = "-"


def post_worker_init(worker):
    """Django and CPNI Track are loaded now and live as long as the worker: frozen, the garbage
    collector stops scanning them on each full collection (about 5% of the record list's time)."""
    gc.freeze()
