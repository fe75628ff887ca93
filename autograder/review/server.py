"""`autograder review`: the review app on a local web server, with a fresh access token.

The token is 256 random bits, printed once in the URL to open, as Jupyter does; it is
never written to a file or to the request log. The server is werkzeug's threaded one:
each request is answered on its own thread, with its own gradebook connection.
"""

import ipaddress
import secrets
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from autograder.gradebook import Gradebook
from autograder.review.app import create_app

WILDCARDS = ("", "0.0.0.0", "::")


class QuietTokenHandler(WSGIRequestHandler):
    """Logs each request's method, path and status, never its query string: the first
    request carries the access token."""

    def log_request(self, code="-", size="-") -> None:
        path = urlsplit(self.path).path
        self.log("info", '"%s %s" %s', self.command, path, getattr(code, "value", code))


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def served_hosts(host: str, port: int) -> tuple[str, ...]:
    """The Host headers a browser sends to this server: anything else is refused (a page
    elsewhere that rebinds its own name to this address sends its own name)."""
    names = {host}
    if is_loopback(host) or host in WILDCARDS:
        names |= {"127.0.0.1", "localhost"}
    if host in WILDCARDS:
        names |= {socket.gethostname(), socket.getfqdn()}
    return tuple(f"{_in_url(name)}:{port}".lower() for name in sorted(names) if name)


def review_server(
    gradebook_path: Path, *, host: str = "127.0.0.1", port: int = 0, author: str
) -> tuple[BaseWSGIServer, str]:
    """The server, listening, and the URL to open (with the token)."""
    gradebook = Gradebook.open(gradebook_path)
    try:
        graded = gradebook.count("submissions")
    finally:
        gradebook.close()
    if not graded:
        raise click.ClickException(
            f"{gradebook_path} has no graded submissions: run `autograder grade` first"
        )
    token = secrets.token_urlsafe(32)
    # Bound before the app exists: with port 0 the port is known only once it is bound
    server = make_server(host, port, None, threaded=True, request_handler=QuietTokenHandler)
    port = server.server_port
    server.app = create_app(gradebook_path, token, author, hosts=served_hosts(host, port))
    shown = "127.0.0.1" if host in WILDCARDS else host
    return server, f"http://{_in_url(shown)}:{port}/?token={token}"


def serve(gradebook_path: Path, *, host: str = "127.0.0.1", port: int = 0, author: str) -> None:
    """Serve the review page until Ctrl-C."""
    if not is_loopback(host):
        click.echo(
            f"Warning: listening on {host}, not only on this computer: anyone who can reach"
            " it and has the URL can change grades, and the page is plain HTTP (unencrypted).",
            err=True,
        )
    server, url = review_server(gradebook_path, host=host, port=port, author=author)
    click.echo(f"Review page for {gradebook_path}: open {url}")
    click.echo("The URL holds the access token; keep it to yourself. Ctrl-C stops the server.")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
