"""An S3-compatible server on loopback for the object-storage tests: moto's server, its writes one at a time.

moto checks a conditional PUT (`If-None-Match: *`) and then stores the object in two steps, so in its threaded
server two racing PUTs of one key could both pass the check — which real S3 never lets happen. Here every request
that writes (PUT, POST, DELETE) runs whole under one lock, so each conditional PUT is atomic, as on S3; reads
(GET, HEAD, listings) run in parallel.

Run as `python s3server.py HOST PORT`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

#: the bucket the tests' stores live in (created by the session fixture in conftest.py)
BUCKET = "tablelens-tests"


class SerialWrites:
    """A WSGI middleware running every writing request whole (its response body included) under one lock."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in ("PUT", "POST", "DELETE"):
            with self.lock:
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def main() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    host, port = sys.argv[1], int(sys.argv[2])
    app = SerialWrites(DomainDispatcherApplication(create_backend_app))
    run_simple(host, port, app, threaded=True, use_reloader=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
