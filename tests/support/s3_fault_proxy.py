"""A fault-injecting reverse proxy for an S3 endpoint: S3 as it behaves on a bad day, on demand.

The factory claims that S3 errors which S3 itself documents as transient (``500 InternalError``,
``503 SlowDown``, connections dropped mid-request) cost time, never data: the client retries them
(``factory.store.filesystem.StorageOptions``) and every step's output is byte-identical to a run
without faults. This proxy makes that claim testable. It listens on 127.0.0.1, forwards every
request to a real S3 endpoint (moto in the tests and the soak bench; MinIO, Ceph RGW or any other
plain-HTTP S3 endpoint of your own), and answers a seeded, random share of the requests itself with:

- ``internal_error``: ``500 InternalError`` with S3's XML error body,
- ``slow_down``: ``503 SlowDown`` with S3's XML error body,
- ``dropped_connection``: the request is read in full, then the socket is closed with no response.

A faulted request never reaches the endpoint, so a retry is always safe. Everything else is
proxied faithfully: request bodies by ``Content-Length`` or ``Transfer-Encoding: chunked`` (as
clients send bodies of unknown length, aws-chunked uploads among them), responses streamed as they
arrive, ``HEAD``, ``Expect: 100-continue``, keep-alive on both sides. Headers are forwarded unchanged, ``Host`` included, so SigV4 signatures made for the
proxy's address still verify at an endpoint that checks them against the ``Host`` it receives.

Drill your own deployment with it::

    with S3FaultProxy("http://minio.internal:9000", rate=0.1, seed=1) as proxy:
        os.environ["FACTORY_S3_ENDPOINT"] = proxy.url   # then materialize as usual
        ...
    print(proxy.counts())   # requests forwarded, faults injected by kind

Standard library only: ``http.server`` for the client side, ``http.client`` for the endpoint side.
"""

from __future__ import annotations

import http.client
import logging
import random
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal_error"
SLOW_DOWN = "slow_down"
DROPPED_CONNECTION = "dropped_connection"
FAULT_KINDS = (INTERNAL_ERROR, SLOW_DOWN, DROPPED_CONNECTION)
ERROR_RESPONSES = {  # fault kind -> (status, S3 error code, message), as S3 words them
    INTERNAL_ERROR: (500, "InternalError", "We encountered an internal error. Please try again."),
    SLOW_DOWN: (503, "SlowDown", "Please reduce your request rate."),
}
# Headers about one hop, not the request: never forwarded (RFC 9110 7.6.1). Expect: the proxy has already
# answered ``100 Continue`` and sends the endpoint the whole body; SigV4 never signs it.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                        "te", "trailer", "transfer-encoding", "upgrade", "expect"})
STREAM_BLOCK = 64 * 1024
UPSTREAM_TIMEOUT_S = 120.0
IDLE_CLIENT_TIMEOUT_S = 300.0
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                           ConnectionAbortedError)


class S3FaultProxy:
    """A reverse proxy in front of the S3 endpoint ``upstream`` that fails a share ``rate`` of requests.

    ``rate``: the share of requests (0 to 1) answered with a fault instead of being forwarded.
    ``seed``: seeds the one random generator that picks which requests fail and how, so the sequence
    of decisions repeats run to run (which request meets which decision depends on thread timing).
    ``kinds``: the faults to choose from, uniformly; default all of ``FAULT_KINDS``.
    ``port``: 0 takes a free port; read the address from ``url`` once started.
    """

    def __init__(self, upstream: str, rate: float = 0.0, seed: int = 0, kinds: Iterable[str] = FAULT_KINDS,
                 host: str = "127.0.0.1", port: int = 0):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        self.kinds = tuple(kinds)
        unknown = sorted(set(self.kinds) - set(FAULT_KINDS))
        if unknown or not self.kinds:
            raise ValueError(f"kinds must be a non-empty subset of {FAULT_KINDS}, got {self.kinds}")
        target = urlsplit(upstream)
        if target.scheme != "http" or not target.hostname:
            raise ValueError(f"upstream must be a plain http://host:port S3 endpoint, got {upstream!r}")
        self.upstream = upstream
        self.upstream_address = (target.hostname, target.port or 80)
        self.rate = rate
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._open: set[socket.socket] = set()
        self._address = (host, port)
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not started: call start() or use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> S3FaultProxy:
        if self._server is not None:
            return self
        server = _ProxyServer(self._address, _ProxyHandler)
        server.proxy = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"s3-fault-proxy-{server.server_address[1]}", daemon=True)
        self._thread.start()
        log.info("S3 fault proxy on %s -> %s, fault rate %.0f%% (%s)", self.url, self.upstream, 100 * self.rate,
                 ", ".join(self.kinds))
        return self

    def stop(self) -> None:
        """Stop listening and close every client connection still open (keep-alive sockets included)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            open_sockets = list(self._open)
        for sock in open_sockets:
            _shut(sock)
        if self._thread is not None:
            self._thread.join(timeout=5)
        log.info("S3 fault proxy on %s stopped: %s", self.url, self.counts())
        self._server = self._thread = None

    def __enter__(self) -> S3FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- counters ------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """A snapshot: ``requests`` (all received), ``forwarded``, ``faults``, one key per fault kind, and
        ``upstream_errors`` (requests answered 502 because the endpoint could not be reached)."""
        with self._lock:
            counts = dict(self._counts)
        faults = {kind: counts.get(kind, 0) for kind in FAULT_KINDS}
        return {"requests": counts.get("requests", 0), "forwarded": counts.get("forwarded", 0),
                "faults": sum(faults.values()), **faults, "upstream_errors": counts.get("upstream_errors", 0)}

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    # -- used by the handler -------------------------------------------------------------
    def _decide(self) -> str | None:
        """Count one request and pick its fate: a fault kind, or None to forward it."""
        with self._lock:
            self._counts["requests"] += 1
            fault = self._random.choice(self.kinds) if self._random.random() < self.rate else None
            self._counts[fault or "forwarded"] += 1
            return fault

    def _count(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def _track(self, sock: socket.socket, is_open: bool) -> None:
        with self._lock:
            (self._open.add if is_open else self._open.discard)(sock)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True  # a client that keeps its connection open must not hold up stop()
    proxy: S3FaultProxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away mid-response is routine for a proxy: a debug line, not a traceback."""
        log.debug("S3 fault proxy: connection from %s ended with an error", client_address, exc_info=True)


class _ProxyHandler(BaseHTTPRequestHandler):
    """One client connection: requests are handled in turn while the client keeps it alive."""

    protocol_version = "HTTP/1.1"  # keep-alive, and 100-continue answered by the base class
    timeout = IDLE_CLIENT_TIMEOUT_S
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall
    server: _ProxyServer

    @property
    def proxy(self) -> S3FaultProxy:
        return self.server.proxy

    def setup(self) -> None:
        super().setup()
        self.upstream: http.client.HTTPConnection | None = None
        self.proxy._track(self.connection, True)

    def finish(self) -> None:
        self.proxy._track(self.connection, False)
        if self.upstream is not None:
            self.upstream.close()
        try:
            super().finish()
        except OSError:
            pass  # the client went away first

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        log.debug("%s %s", self.address_string(), format % args)

    def handle_request(self) -> None:
        body, chunked = self._read_body()
        fault = self.proxy._decide()
        if fault == DROPPED_CONNECTION:
            self.close_connection = True
            _shut(self.connection)
        elif fault is not None:
            self._send_error(*ERROR_RESPONSES[fault])
        else:
            self._forward(body, chunked)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_OPTIONS = do_PATCH = handle_request

    # -- request side --------------------------------------------------------------------
    def _read_body(self) -> tuple[bytes, bool]:
        """The request body, whole, and whether the client sent it chunked (trailers are read and dropped)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            pieces = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(pieces), True
                pieces.append(self.rfile.read(size))
                self.rfile.readline(65537)  # the CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        return (self.rfile.read(length) if length else b""), False

    def _send_error(self, status: int, code: str, message: str) -> None:
        request_id = uuid.uuid4().hex[:16].upper()
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                f"<Error><Code>{code}</Code><Message>{message}</Message>"
                f"<RequestId>{request_id}</RequestId><HostId>s3-fault-proxy</HostId></Error>").encode()
        self.send_response_only(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("x-amz-request-id", request_id)
        self.send_header("Content-Length", "0" if self.command == "HEAD" else str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # -- endpoint side -------------------------------------------------------------------
    def _forward(self, body: bytes, chunked: bool) -> None:
        headers = [(name, value) for name, value in self.headers.items()
                   if name.lower() not in HOP_BY_HOP and name.lower() != "content-length"]
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        elif body or "Content-Length" in self.headers:
            headers.append(("Content-Length", str(len(body))))
        try:
            response = self._exchange(headers, body, chunked)
        except (OSError, http.client.HTTPException) as error:  # the endpoint is down or broke: answer as a gateway
            log.warning("S3 fault proxy: %s %s failed at %s: %s", self.command, self.path, self.proxy.upstream, error)
            self.proxy._count("upstream_errors")
            self.upstream = None
            self._send_error(502, "BadGateway", f"the proxy could not reach {self.proxy.upstream}: {error}")
            return
        try:
            self._relay(response)
        finally:
            response.close()

    def _exchange(self, headers: list[tuple[str, str]], body: bytes, chunked: bool) -> http.client.HTTPResponse:
        """Send the request on the kept-alive endpoint connection; once more on a fresh one if that was stale."""
        for attempt in (1, 2):
            fresh = self.upstream is None
            if fresh:
                self.upstream = http.client.HTTPConnection(*self.proxy.upstream_address, timeout=UPSTREAM_TIMEOUT_S)
            connection = self.upstream
            try:
                connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    connection.putheader(name, value)
                if chunked:
                    connection.endheaders()
                    for piece in _chunks(body):
                        connection.send(piece)
                else:
                    connection.endheaders(message_body=body or None)  # one write with the headers
                return connection.getresponse()
            except STALE_CONNECTION_ERRORS:
                connection.close()
                self.upstream = None
                if fresh or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _relay(self, response: http.client.HTTPResponse) -> None:
        """Status, headers and body back to the client, the body streamed as the endpoint sends it."""
        no_body = self.command == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200
        length = response.getheader("Content-Length")
        rechunk = not no_body and length is None and response.chunked
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        if rechunk:
            self.send_header("Transfer-Encoding", "chunked")
        elif not no_body and length is None:
            self.close_connection = True  # the body ends when the endpoint closes: so must we
            self.send_header("Connection", "close")
        self.end_headers()
        if no_body:
            return
        while block := response.read1(STREAM_BLOCK):  # what has arrived, without waiting for a full block
            self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block) if rechunk else block)
        if rechunk:
            self.wfile.write(b"0\r\n\r\n")
        if response.will_close and self.upstream is not None:
            self.upstream.close()
            self.upstream = None


def _chunks(body: bytes) -> Iterator[bytes]:
    """``body`` framed as HTTP/1.1 chunks, in blocks of ``STREAM_BLOCK``, and the final empty chunk."""
    for start in range(0, len(body), STREAM_BLOCK):
        block = body[start:start + STREAM_BLOCK]
        yield b"%x\r\n%s\r\n" % (len(block), block)
    yield b"0\r\n\r\n"


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the other side
