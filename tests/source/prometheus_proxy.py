#!/usr/bin/python3
"""A reverse proxy in front of a real Prometheus that wants credentials, as an
authenticating gateway would (standard library only).

Every request must carry each of the configured credentials: --token (Authorization:
Bearer), --basic USER:PASSWORD (Authorization: Basic), --header 'Name: value'.
Otherwise the answer is 401 with a plain-text body. Accepted requests are forwarded
to --upstream unchanged (method, path, body, Content-Type) and its answer returned.
With --cert/--key it serves HTTPS. The chosen port is written to --port-file.

Usage: prometheus_proxy.py --upstream URL --port-file FILE [--cert PEM --key PEM]
                           [--token T] [--basic U:P] [--header 'Name: value']...
"""

import argparse
import base64
import http.server
import os
import ssl
import urllib.error
import urllib.request


def make_handler(args):
    wanted = []
    if args.token:
        wanted.append(("Authorization", "Bearer " + args.token))
    if args.basic:
        wanted.append(("Authorization", "Basic " + base64.b64encode(args.basic.encode()).decode()))
    for header in args.header:
        name, value = header.split(":", 1)
        wanted.append((name.strip(), value.strip()))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def reply(self, status, body, content_type):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def forward(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else None
            for name, value in wanted:
                if value not in self.headers.get_all(name, []):
                    self.reply(401, b"Unauthorized\n", "text/plain")
                    return
            request = urllib.request.Request(args.upstream + self.path, data=body,
                                             method=self.command)
            if self.headers.get("Content-Type"):
                request.add_header("Content-Type", self.headers["Content-Type"])
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    self.reply(answer.status, answer.read(), answer.headers["Content-Type"])
            except urllib.error.HTTPError as error:
                self.reply(error.code, error.read(), error.headers["Content-Type"] or "text/plain")

        do_GET = forward
        do_POST = forward

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--token")
    parser.add_argument("--basic")
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args))
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    temporary = args.port_file + ".tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(str(server.server_address[1]))
    os.rename(temporary, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
