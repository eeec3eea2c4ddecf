"""The least a Flask JSON endpoint costs: parse the body, answer JSON. Served by gunicorn
in `make bench` to measure the HTTP part of the stack floor."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/echo")
def echo():  # noqa: ANN201
    return jsonify(received=request.get_json())
