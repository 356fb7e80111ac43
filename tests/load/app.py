"""The production app with the bare route added, for the loaded-server measurement (tests.load.server).

Gunicorn serves `tests.load.app:app` with the committed gunicorn.conf.py, so the bare route is timed
by the same workers, in the same run, as the pages it is compared with. It goes through the same
request hooks as every page (request id, session lookup, security headers), as the bench's does.
"""

from iop import create_app
from iop.permissions import public

app = create_app()


@public
def hello():
    return "hello"


app.add_url_rule("/bench-hello", "bench_hello", hello)  # before any request, like the bench's
