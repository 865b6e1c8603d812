"""The weekly chart as a PNG, drawn in pure Python (zlib + struct, no imaging library).

Bars show the share of our promises kept on time each week (left axis, 0-100 %); a line
shows the open challenges at each week's end (right axis). Every value is written on the
chart with a small built-in bitmap font, and the whole series is also embedded as JSON in
a ``tEXt`` chunk (``touchpoint:series``), with the alt text in an ``iTXt`` ``Description``,
so tests, tools and screen readers can read the figures without looking at pixels.
"""

from __future__ import annotations

import itertools
import json
import math
import struct
import zlib
from collections.abc import Sequence

from bot.core.measures import WeeklySeries

Colour = tuple[int, int, int]

WIDTH, HEIGHT = 720, 400
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 72, 648, 92, 348
BACKGROUND: Colour = (255, 255, 255)
GRID: Colour = (229, 231, 235)
AXIS: Colour = (107, 114, 128)
TEXT: Colour = (31, 41, 55)
BAR: Colour = (59, 130, 246)
BAR_TEXT: Colour = (30, 64, 175)
LINE: Colour = (234, 88, 12)
MISSING: Colour = (156, 163, 175)
SERIES_KEY = "touchpoint:series"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCALE = 2  # font pixels per glyph pixel

# A 5x7 bitmap font: each glyph is 7 rows of 5 bits, most significant bit on the left.
_GLYPHS = {
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "%": "11000 11001 00010 00100 01000 10011 00011",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    ":": "00000 01100 01100 00000 01100 01100 00000",
    "/": "00000 00001 00010 00100 01000 10000 00000",
    "?": "01110 10001 00001 00010 00100 00000 00100",
    " ": "00000 00000 00000 00000 00000 00000 00000",
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 10001 01010 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
}
GLYPH_W, GLYPH_H = 5, 7


def weekly_chart(series: WeeklySeries, description: str = "") -> bytes:
    """The chart of ``series`` as PNG bytes; ``description`` becomes its alt text."""
    canvas = Canvas(WIDTH, HEIGHT, BACKGROUND)
    open_top = nice_ceiling(max(series.open_challenges, default=0))
    _frame(canvas, open_top, series.stage)
    slots = _slots(len(series.points))
    bar_labels = [_bar(canvas, slot, rate) for slot, rate in zip(slots, series.rates, strict=True)]
    _line(canvas, slots, series.open_challenges, open_top, bar_labels)
    for slot, point in zip(slots, series.points, strict=True):
        label = f"W{point.week.rsplit('W', 1)[-1]}"
        canvas.text_centred((slot[0] + slot[1]) // 2, PLOT_BOTTOM + 12, label, TEXT)
    title = "Touchpoint: kept on time and open challenges"
    if series.stage:
        title += f", {series.stage} stage"
    texts = {"Title": title, SERIES_KEY: _json(series)}
    return encode_png(canvas, texts, {"Description": description} if description else {})


def series_values(series: WeeklySeries) -> dict[str, list[object]]:
    """What the ``touchpoint:series`` chunk holds."""
    values: dict[str, list[object]] = {
        "weeks": [p.week for p in series.points],
        "week_starts": [p.start.isoformat() for p in series.points],
        "kept_on_time": [p.on_time for p in series.points],
        "counted": [p.counted for p in series.points],
        "kept_on_time_rate": list(series.rates),
        "open_challenges": list(series.open_challenges),
    }
    if series.stage:  # a chart of one journey stage says which
        values["stage"] = [series.stage]
    return values


def _json(series: WeeklySeries) -> str:
    return json.dumps(series_values(series), ensure_ascii=True, separators=(",", ":"))


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at or above ``value`` (at least 2)."""
    if value <= 2:
        return 2
    magnitude = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover (the loop always returns)


# -- layout -----------------------------------------------------------------------------------


def _slots(count: int) -> list[tuple[int, int]]:
    """[x0, x1) of each week's column."""
    width = (PLOT_RIGHT - PLOT_LEFT) / max(count, 1)
    edges = [PLOT_LEFT + round(n * width) for n in range(count + 1)]
    return list(itertools.pairwise(edges))


def _y_of(fraction: float) -> int:
    return PLOT_BOTTOM - round(fraction * (PLOT_BOTTOM - PLOT_TOP))


def _frame(canvas: Canvas, open_top: int, stage: str | None) -> None:
    heading = "KEPT ON TIME AND OPEN CHALLENGES"
    canvas.text(16, 14, f"{heading} - {stage}" if stage else heading, TEXT)
    canvas.rect(16, 50, 30, 64, BAR)
    after = canvas.text(38, 50, "PROMISES KEPT ON TIME %", TEXT)
    canvas.rect(after + 24, 50, after + 38, 64, LINE)
    canvas.text(after + 46, 50, "OPEN CHALLENGES", TEXT)
    for percent in (0, 25, 50, 75, 100):
        y = _y_of(percent / 100)
        canvas.rect(PLOT_LEFT, y, PLOT_RIGHT, y + 1, GRID if percent else AXIS)
        label = f"{percent}%"
        canvas.text(PLOT_LEFT - 8 - text_width(label), y - GLYPH_H * SCALE // 2, label, AXIS)
    for value in sorted({0, open_top // 2, open_top}):
        y = _y_of(value / open_top)
        canvas.text(PLOT_RIGHT + 8, y - GLYPH_H * SCALE // 2, str(value), LINE)
    canvas.rect(PLOT_LEFT, PLOT_TOP, PLOT_LEFT + 1, PLOT_BOTTOM + 1, AXIS)
    canvas.rect(PLOT_RIGHT, PLOT_TOP, PLOT_RIGHT + 1, PLOT_BOTTOM + 1, LINE)


Box = tuple[int, int, int, int]


def _bar(canvas: Canvas, slot: tuple[int, int], rate: float | None) -> Box:
    """Draw one week's bar and its value; returns the value label's box."""
    centre, width = (slot[0] + slot[1]) // 2, max(4, (slot[1] - slot[0]) * 11 // 20)
    if rate is None:  # nothing fell due that week
        label, colour, top = "N/A", MISSING, PLOT_BOTTOM
    else:
        top = _y_of(rate)
        canvas.rect(centre - width // 2, top, centre - width // 2 + width, PLOT_BOTTOM, BAR)
        label, colour = f"{round(rate * 100)}%", BAR_TEXT
    y = top - 6 - GLYPH_H * SCALE
    x = canvas.text_centred(centre, y, label, colour)
    return (x, y, x + text_width(label), y + GLYPH_H * SCALE)


def _line(
    canvas: Canvas,
    slots: Sequence[tuple[int, int]],
    values: Sequence[int],
    top: int,
    avoid: Sequence[Box],
) -> None:
    points = [((a + b) // 2, _y_of(v / top)) for (a, b), v in zip(slots, values, strict=True)]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        canvas.line(x0, y0, x1, y1, LINE, 3)
    for x, y in points:
        canvas.rect(x - 4, y - 4, x + 5, y + 5, LINE)
    for (x, y), value in zip(points, values, strict=True):
        _place_label(canvas, x, y, str(value), avoid)


def _place_label(canvas: Canvas, x: int, y: int, label: str, avoid: Sequence[Box]) -> None:
    """Right of the point, above it unless that hides a bar's value, else below."""
    w, h = text_width(label), GLYPH_H * SCALE
    for left, top in ((x + 8, y - 8 - h), (x + 8, y + 8), (x - 8 - w, y - 8 - h)):
        box = (left, top, left + w, top + h)
        if top >= PLOT_TOP - h and not any(_overlap(box, other) for other in avoid):
            break
    for dx, dy in ((-2, 0), (2, 0), (0, -2), (0, 2), (-2, -2), (2, 2), (-2, 2), (2, -2)):
        canvas.text(left + dx, top + dy, label, BACKGROUND)  # a halo keeps it readable
    canvas.text(left, top, label, LINE)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# -- drawing ---------------------------------------------------------------------------------


def text_width(text: str, scale: int = SCALE) -> int:
    return max(0, len(text) * (GLYPH_W + 1) * scale - scale)


class Canvas:
    """An RGB raster with the few primitives a chart needs (clipped to the canvas)."""

    def __init__(self, width: int, height: int, background: Colour) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: Colour) -> None:
        """Fill [x0, x1) x [y0, y1)."""
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        if x0 >= x1 or y0 >= y1:
            return
        row = bytes(colour) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def line(self, x0: int, y0: int, x1: int, y1: int, colour: Colour, thickness: int) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        half = thickness // 2
        for n in range(steps + 1):
            x = round(x0 + (x1 - x0) * n / steps)
            y = round(y0 + (y1 - y0) * n / steps)
            self.rect(x - half, y - half, x - half + thickness, y - half + thickness, colour)

    def text(self, x: int, y: int, text: str, colour: Colour, scale: int = SCALE) -> int:
        """Draw ``text`` (upper-cased) with its top-left at (x, y); returns the x after it."""
        for char in text.upper():
            rows = _GLYPHS.get(char, _GLYPHS["?"]).split()
            for dy, bits in enumerate(rows):
                for dx, bit in enumerate(bits):
                    if bit == "1":
                        left, top = x + dx * scale, y + dy * scale
                        self.rect(left, top, left + scale, top + scale, colour)
            x += (GLYPH_W + 1) * scale
        return x - scale

    def text_centred(self, centre: int, y: int, text: str, colour: Colour) -> int:
        """Draw ``text`` centred on ``centre``; returns its left edge."""
        left = centre - text_width(text) // 2
        self.text(left, y, text, colour)
        return left


def encode_png(canvas: Canvas, texts: dict[str, str], itexts: dict[str, str]) -> bytes:
    """An 8-bit RGB PNG, no interlace, every scanline with filter 0 (none)."""
    stride = canvas.width * 3
    raw = b"".join(
        b"\x00" + canvas.pixels[y * stride : (y + 1) * stride] for y in range(canvas.height)
    )
    header = struct.pack(">IIBBBBB", canvas.width, canvas.height, 8, 2, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    chunks += [_chunk(b"tEXt", _latin1(k) + b"\x00" + _latin1(v)) for k, v in texts.items()]
    chunks += [
        _chunk(b"iTXt", _latin1(k) + b"\x00\x00\x00\x00\x00" + v.encode("utf-8"))
        for k, v in itexts.items()
    ]
    chunks += [_chunk(b"IDAT", zlib.compress(raw, 9)), _chunk(b"IEND", b"")]
    return PNG_SIGNATURE + b"".join(chunks)


def _latin1(text: str) -> bytes:
    return text.encode("latin-1", errors="replace")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
