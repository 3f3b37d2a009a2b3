#!/usr/bin/python3
"""readme.py: runs the shell examples of README.md as a reader would type them.

Every fenced ```sh block is an example, unless the line before its fence is
<!-- no-test -->. In a block with "$ " lines each of them (with its "\"
continuation lines) is one command and the lines after it, up to the next
command, are the output README shows for it; a block without one is a
script run whole. Blocks run in README's order, in the current folder,
each command in bash on a terminal of its own (a pseudo-terminal), so
listings are tables as README shows them and a password prompt or a
[y/N] question is answered as a person would: with the password given on
the command line, and "y".

A command passes when it exits 0 and every output line README shows is in
what the terminal showed, in order (spaces compared as one; a "..." line
stands for lines left out). Prints one TAP line per command.

usage: readme.py README PASSWORD
"""
import os
import pty
import re
import select
import sys
import termios
import time

PROMPT = re.compile(r"(password for admin \S+|Again): $", re.I)
CONFIRM = re.compile(r"\[y/N\] $")
LIMIT = 300  # seconds a command may take before it is stopped


def examples(path):
    """Yields (line number, [lines]) for each fenced sh block to run."""
    lines = open(path, encoding="utf-8").read().split("\n")
    prev, i = "", 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            start, body = i + 1, []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            if prev.strip() != "<!-- no-test -->":
                yield start + 1, body
        if lines[i].strip():
            prev = lines[i]
        i += 1


def commands(lineno, body):
    """Yields (line number, command, [expected output lines])."""
    if not any(l.startswith("$ ") for l in body):
        yield lineno, "\n".join(body), []
        return
    i = 0
    while i < len(body):
        if not body[i].startswith("$ "):
            i += 1
            continue
        at, cmd = lineno + i, body[i][2:]
        while cmd.endswith("\\") and i + 1 < len(body):
            i += 1
            cmd += "\n" + body[i]
        i += 1
        want = []
        while i < len(body) and not body[i].startswith("$ "):
            want.append(body[i])
            i += 1
        yield at, cmd, want


def run(cmd, password):
    """Runs cmd in bash on a pseudo-terminal; returns (status, transcript)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("bash", ["bash", "-c", cmd])
    out, tail = b"", b""
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 1)
        if not r:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:   # the terminal closed: the command ended
            break
        if not data:
            break
        out += data
        tail = (tail + data)[-200:]
        text = tail.decode("utf-8", "replace")
        if PROMPT.search(text):
            # Typed once the prompt has turned echo off, as a person
            # would: earlier, the terminal's flush would drop it.
            while termios.tcgetattr(fd)[3] & termios.ECHO and \
                    time.monotonic() < deadline:
                time.sleep(0.01)
            os.write(fd, password.encode() + b"\n")
            tail = b""
        elif CONFIRM.search(text):
            os.write(fd, b"y\n")
            tail = b""
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    rc = os.waitstatus_to_exitcode(status)
    return rc, out.decode("utf-8", "replace").replace("\r", "")


def norm(s):
    return " ".join(s.split())


def shows(transcript, want):
    """The first line of want not found, in order, in transcript; None."""
    got = [norm(l) for l in transcript.split("\n")]
    k = 0
    for w in want:
        w = norm(w)
        if not w or w == "...":
            continue
        while k < len(got) and got[k] != w:
            k += 1
        if k == len(got):
            return w
        k += 1
    return None


def main():
    readme, password = sys.argv[1], sys.argv[2]
    failed = 0
    for lineno, body in examples(readme):
        for at, cmd, want in commands(lineno, body):
            name = "README.md:%d: %s" % (at, norm(cmd)[:70])
            rc, transcript = run(cmd, password)
            missing = shows(transcript, want)
            if rc == 0 and missing is None:
                print("ok - " + name)
                continue
            failed += 1
            why = ("exit %d" % rc) if rc else "no line '%s'" % missing
            print("not ok - %s (%s)" % (name, why))
            for l in transcript.split("\n")[-15:]:
                print("   | " + l)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
