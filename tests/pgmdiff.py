#!/usr/bin/env python3
"""pgmdiff: compares two greyscale pages (binary PGM, as pdftoppm -gray
writes them) pixel by pixel, for tests/e2e/visual.sh.

    pgmdiff.py GOT WANT [DIFF]

Prints how many pixels differ by more than THRESHOLD grey levels, and
exits 0 when that is at most LIMIT (a few glyph edges a different
rasteriser may draw otherwise), 1 when more, or when the sizes differ.
DIFF, when given, receives a PGM of the differing pixels (black) over
a faint copy of WANT, to look at. Python's standard library only.
"""
import sys

# Grey levels two renders of one page may differ by at a pixel's edge.
THRESHOLD = 64
# Pixels that may differ: far fewer than a line of text moved by one
# pixel makes (a shifted page differs in thousands).
LIMIT = 150


def read_pgm(path):
    with open(path, 'rb') as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b'#':
            pos = data.index(b'\n', pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b'P5' or int(fields[3]) > 255:
        sys.exit('pgmdiff: %s: not an 8-bit binary PGM' % path)
    w, h = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + w * h]
    if len(pixels) != w * h:
        sys.exit('pgmdiff: %s: truncated' % path)
    return w, h, pixels


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[2].strip())
    gw, gh, got = read_pgm(sys.argv[1])
    ww, wh, want = read_pgm(sys.argv[2])
    if (gw, gh) != (ww, wh):
        print('size %dx%d, want %dx%d' % (gw, gh, ww, wh))
        return 1
    bad = [abs(a - b) > THRESHOLD for a, b in zip(got, want)]
    n = sum(bad)
    print('%d pixels differ (at most %d may)' % (n, LIMIT))
    if len(sys.argv) == 4:
        out = bytes(0 if d else 192 + w // 4 for d, w in zip(bad, want))
        with open(sys.argv[3], 'wb') as f:
            f.write(b'P5\n%d %d\n255\n' % (ww, wh) + out)
    return 0 if n <= LIMIT else 1


if __name__ == '__main__':
    sys.exit(main())
