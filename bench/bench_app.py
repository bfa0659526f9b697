"""The production app plus one minimal route, served by the same gunicorn, as the throughput baseline."""
from tagsvc import create_app

app = create_app()


@app.get("/bench/baseline")
def baseline():
    return "ok"
