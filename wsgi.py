"""The WSGI entry point: `gunicorn wsgi:app`."""
from tagsvc import create_app

app = create_app()
