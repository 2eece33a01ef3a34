"""The bare Flask app the capacity benchmark compares against: one route, no database, same waitress settings."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """A constant answer: what waitress + Flask cost without any portal code."""
    return "hello"
