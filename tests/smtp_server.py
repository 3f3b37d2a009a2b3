#!/usr/bin/python3
"""smtp_server.py: a real SMTP server on 127.0.0.1 for the end-to-end tests.

It accepts mail the way a school's relay would and keeps every message it
accepts as OUT/NNNN.eml (the bytes received, after the SMTP transport's
dot-unstuffing) with OUT/NNNN.env beside it: the envelope sender on the
first line, one recipient a line after it. Recipients given with --refuse
get a permanent 550, those given with --defer a temporary 451, and with
--auth USER:PASSWORD it asks for that login (over plain TCP, as a test
relay may).

The port is chosen by the system: it is printed as the first line on
standard output, and written to --port-file when given, once the server
listens. The server stops on SIGTERM or SIGINT, and by itself after
--max-seconds, so a test that dies cannot leave it running.

Needs Python 3 and aiosmtpd (Debian: python3-aiosmtpd); run it with
/usr/bin/python3.
"""
import argparse
import asyncio
import os
import signal
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, out, refuse, defer):
        self.out = out
        self.refuse = {a.lower() for a in refuse}
        self.defer = {a.lower() for a in defer}
        self.count = len([n for n in os.listdir(out) if n.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if address.lower() in self.defer:
            return "451 4.7.1 <%s>: greylisted, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.out, "%04d" % self.count)
        # The envelope first, then the message: a reader that sees the
        # .eml finds its .env complete.
        with open(base + ".env.tmp", "w", encoding="utf-8") as f:
            f.write(envelope.mail_from + "\n")
            for r in envelope.rcpt_tos:
                f.write(r + "\n")
        os.rename(base + ".env.tmp", base + ".env")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 OK: queued as %04d" % self.count


def authenticator(login, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == login
              and auth_data.password == password)
        # handled=False: the server itself answers 535 to a failure.
        return AuthResult(success=ok, handled=False)
    return check


async def serve(args):
    os.makedirs(args.out, exist_ok=True)
    handler = Handler(args.out, args.refuse, args.defer)
    kwargs = {"decode_data": False, "hostname": "smtp.test.example"}
    if args.auth:
        user, _, password = args.auth.partition(":")
        kwargs.update(auth_required=True, auth_require_tls=False,
                      authenticator=authenticator(user.encode(),
                                                  password.encode()))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **kwargs),
                                      host="127.0.0.1", port=args.port)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except asyncio.TimeoutError:
        print("smtp_server: stopping after %g seconds" % args.max_seconds,
              file=sys.stderr)
    server.close()
    await server.wait_closed()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True,
                   help="folder for the accepted messages")
    p.add_argument("--port", type=int, default=0,
                   help="port to listen on (default: any free one)")
    p.add_argument("--port-file", help="write the port to this file")
    p.add_argument("--refuse", action="append", default=[],
                   metavar="ADDR", help="answer 550 to this recipient")
    p.add_argument("--defer", action="append", default=[],
                   metavar="ADDR", help="answer 451 to this recipient")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require this login")
    p.add_argument("--max-seconds", type=float, default=120)
    asyncio.run(serve(p.parse_args()))


if __name__ == "__main__":
    main()
