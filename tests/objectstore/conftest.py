"""The loopback S3 server of the object-storage tests: moto in server mode, started once per session on a free
port; every test gets a store of its own (a bucket prefix) reached through the real client stack (s3fs, botocore,
DuckDB reading through the store's fsspec filesystem). Credentials and endpoint are the usual AWS environment
variables, so processes the tests spawn reach the same server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from s3server import BUCKET

_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_SESSION_TOKEN": "testing"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("s3server.py")), "127.0.0.1", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the loopback S3 server (moto) did not start") from None
            time.sleep(0.1)
    saved = {k: os.environ.get(k) for k in [*_ENV, "AWS_ENDPOINT_URL_S3"]}
    os.environ.update(_ENV, AWS_ENDPOINT_URL_S3=endpoint)
    import boto3

    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def s3_url(s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh store URL on the loopback server, with a local cache of its own."""
    monkeypatch.setenv("TABLELENS_CACHE", str(tmp_path / "cache"))
    return f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}"
