"""gunicorn entry point: `gunicorn wsgi:server`."""
from portal import create_app

server = create_app().server
