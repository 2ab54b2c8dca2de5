"""An S3-compatible server on loopback for the object-storage tests: moto's server, one request at a time.

moto checks a conditional PUT (`If-None-Match: *`) and then stores the object in two steps; its threaded server
could let two racing PUTs both pass the check, which real S3 never does. Served one request at a time (werkzeug's
single-threaded server speaks HTTP/1.0, so every request is a connection of its own), each PUT is atomic, as on S3.

Run as `python s3server.py HOST PORT`.
"""

from __future__ import annotations

import sys


def main() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, app, threaded=False, use_reloader=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
