"""gunicorn settings for officepass (`gunicorn -c python:officepass.ops.gunicorn_conf ...`).

Only what every deployment needs: the Prometheus multiprocess clean-up when a worker exits.
Everything else (bind, workers, worker class) stays on the command line.
"""

from officepass.ops.metrics import child_exit

__all__ = ["child_exit"]
