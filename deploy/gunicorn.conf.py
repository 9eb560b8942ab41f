"""gunicorn's settings for the portal: `gunicorn -c deploy/gunicorn.conf.py programme.wsgi`.

Every value can be changed from the environment (gunicorn reads GUNICORN_CMD_ARGS and
WEB_CONCURRENCY itself; PORTAL_BIND is ours)."""

import multiprocessing
import os

# A unix socket that nginx reaches (unix:/run/portal/gunicorn.sock), or host:port.
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
# Pages are short and mostly wait on PostgreSQL: two processes a core plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 60
graceful_timeout = 30
# A worker restarts after this many requests, so a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
# nginx buffers slow clients; requests reach gunicorn whole.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (`gunicornc`) would sit in the service user's home; the
# portal is run by systemd and signals, so none is opened.
control_socket_disable = True

# gunicorn's own lines (start, workers, errors) as JSON on standard output, like the
# portal's; nginx keeps the access log, so gunicorn keeps none.
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # nginx writes the access log; gunicorn repeating each request would double the lines.
        "gunicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
