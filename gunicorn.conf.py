"""Gunicorn's production settings: `gunicorn -c gunicorn.conf.py wsgi:app` (the Procfile's web process).

Every number comes from the environment, with defaults for one small host. The access log names the
method, the path without its query string, the status, the size, the time taken and the request id
(the same id as in the audit trail): never a query string, a referrer, a cookie or a form value, which
can carry a client's name or a search for one.
"""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# WEB_CONCURRENCY is the usual name on platforms that size it; two per core suits database-bound pages.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this has its worker killed and restarted (an export, a stuck query).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Workers are recycled now and then, so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Heartbeat files off the disk, so a slow disk does not make a worker look hung.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# %(U)s is the path alone (%(r)s would add the query string); %(M)s is the time taken in milliseconds.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
