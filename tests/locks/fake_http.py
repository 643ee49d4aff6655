"""A threaded HTTP server on a free 127.0.0.1 port, shared by the vendor fakes."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeHttpServer:
    """Serves `handler` (a BaseHTTPRequestHandler whose class attribute `fake` is set to the
    fake) until stopped; `release` frees requests told to hang."""

    handler: type[BaseHTTPRequestHandler]
    server: ThreadingHTTPServer | None
    release: threading.Event

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Any:
        handler = type("Handler", (self.handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        quick = {"poll_interval": 0.02}  # shutdown() waits up to one poll interval
        threading.Thread(target=self.server.serve_forever, kwargs=quick, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
