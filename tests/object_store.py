"""An S3 server on a local port for the object store's tests: moto's standalone server, started once per test run,
spoken to over real HTTP with real S3 requests (signed, listed, paged) as a MinIO or a cloud store would be."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

BUCKET = "tagsvc-test"
# Any keys do for this server; the app reads them where it would read a real store's.
KEYS = {"AWS_ACCESS_KEY_ID": "tagsvc-test", "AWS_SECRET_ACCESS_KEY": "tagsvc-test-secret"}


@pytest.fixture(scope="session")
def s3_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise AssertionError("the S3 server did not start") from None
            time.sleep(0.2)
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
                 aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"]).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.terminate()
    server.wait(10)


@pytest.fixture
def s3_store_url(s3_server, monkeypatch):
    """A TAGSVC_STORAGE_URL of a folder of its own in the test bucket, with the keys in the environment."""
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    return f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}?endpoint={s3_server}"


def closed_port() -> int:
    """A local port nothing listens on (a store that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keys_in(url: str) -> list[str]:
    """Every object under the store's folder (what a second look at the bucket finds)."""
    import boto3

    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    client = boto3.client("s3", endpoint_url=parse_qs(parts.query)["endpoint"][0], region_name="us-east-1",
                          aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
    listed = client.list_objects_v2(Bucket=parts.hostname, Prefix=parts.path.strip("/") + "/")
    return sorted(item["Key"] for item in listed.get("Contents", []))
