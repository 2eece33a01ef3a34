"""WSGI entry point: waitress-serve --threads 16 wsgi:app"""
from app import create_app

app = create_app()
