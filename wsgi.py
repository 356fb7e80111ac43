"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from iop import create_app

app = create_app()
