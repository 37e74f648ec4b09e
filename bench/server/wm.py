"""Shared plumbing of the server harnesses: start and kill `waymark serve`, make accounts with
`waymark admin`, make PostgreSQL databases, and a small JSON client on `http.client` (standard
library only, one keep-alive connection per client object, so one per thread).

Nothing here knows what a harness checks; see kill9.py, two_servers.py and load.sh.
"""

import json
import os
import re
import subprocess
import time
import http.client
import urllib.parse

DEFAULT_BINARY = os.environ.get("WAYMARK_BIN", "/tmp/waymark-bench")
LISTENING = re.compile(r"listening on http://([0-9.]+):([0-9]+)/")


class Server:
    """One `waymark serve` process on port 0; `port` is read from the line it prints."""

    def __init__(self, binary, database, log_path, extra_args=()):
        self.binary = binary
        self.database = database
        self.log_path = log_path
        self.extra_args = list(extra_args)
        self.process = None
        self.port = None

    def start(self, timeout=30.0):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--database", self.database, "--listen", "127.0.0.1:0",
             *self.extra_args],
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline().decode("utf-8", "replace")
            if not line:
                raise RuntimeError(f"waymark serve exited with {self.process.wait()}; see {self.log_path}")
            match = LISTENING.search(line)
            if match:
                self.port = int(match.group(2))
                # The rest of stdout is not read again: drain it so the server never blocks.
                _drain(self.process.stdout)
                return self
        raise RuntimeError("waymark serve did not say where it listens")

    def kill9(self):
        """SIGKILL, no chance to flush or finish anything, then reap the process."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        """SIGTERM (graceful)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()


def _drain(stream):
    import threading

    def run():
        for _ in iter(lambda: stream.read(4096), b""):
            pass

    threading.Thread(target=run, daemon=True).start()


def admin(binary, database, *args, stdin=None):
    """`waymark admin ...`; returns stdout stripped."""
    result = subprocess.run(
        [binary, "admin", *args, "--database", database],
        input=stdin.encode() if stdin is not None else None,
        capture_output=True, check=True,
    )
    return result.stdout.decode().strip()


def make_account(binary, database, name="bench", password="bench-password-1", is_admin=True):
    """A user and an API token for it; returns the token."""
    admin(binary, database, "create-user", name, *(["--admin"] if is_admin else []),
          stdin=password + "\n")
    return admin(binary, database, "create-token", name)


def fresh_postgres_database(base_url, name):
    """Drops and re-creates database `name` with the role of `base_url` (which needs CREATEDB,
    as pg-setup.sh's role has); returns its URL. Never touches pg-setup.sh's own database."""
    parsed = urllib.parse.urlparse(base_url)
    admin_url = parsed._replace(path="/postgres").geturl()
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True,
                       capture_output=True)
    return parsed._replace(path="/" + name).geturl()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def etag(self):
        return self.headers.get("etag")


class Client:
    """A keep-alive JSON client for one server; `token` (Bearer) or `cookie` + `csrf`."""

    def __init__(self, port, token=None, timeout=30.0):
        self.port = port
        self.token = token
        self.cookie = None
        self.csrf = None
        self.timeout = timeout
        self.connection = None

    def request(self, method, path, body=None, headers=None, raw=None, content_type=None):
        all_headers = {}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if self.cookie:
            all_headers["Cookie"] = self.cookie
            if self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
                all_headers["X-CSRF-Token"] = self.csrf
        data = None
        if raw is not None:
            data = raw
            all_headers["Content-Type"] = content_type or "application/octet-stream"
        elif body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.connection.request(method, path, body=data, headers=all_headers)
            response = self.connection.getresponse()
            payload = response.read()
        except Exception:
            self.close()
            raise
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, payload)

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def all_pages(client, path, limit=500):
    """Every item of a paged list (`{"items", "next"}`)."""
    items = []
    after = None
    while True:
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&after={urllib.parse.quote(after)}" if after else "")
        response = client.request("GET", url)
        if response.status != 200:
            raise RuntimeError(f"GET {url}: {response.status} {response.body[:300]!r}")
        page = response.json()
        items.extend(page["items"])
        after = page["next"]
        if not after:
            return items
