"""The weekly chart: a valid PNG that carries the measured values, in pixels and in text.

The PNG is read back here with an independent decoder (struct + zlib), not with the
writer's own helpers.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections import defaultdict
from datetime import date, timedelta

from bot import charts
from bot.core.measures import WeeklySeries, WeekPoint
from bot.core.model import Team

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def raw_chunks(png: bytes) -> list[tuple[bytes, bytes, int]]:
    """(type, data, stored CRC) of every chunk, in order."""
    assert png[:8] == SIGNATURE
    found, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        found.append((kind, data, crc))
        at += 12 + length
    assert at == len(png)
    return found


def chunks(png: bytes) -> dict[str, list[tuple[str, str]] | list[bytes]]:
    """Text chunks as (keyword, text) pairs by type; other chunks as their data."""
    by_type: dict[str, list] = defaultdict(list)
    for kind, data, _ in raw_chunks(png):
        name = kind.decode("ascii")
        if name == "tEXt":
            keyword, _, text = data.partition(b"\x00")
            by_type[name].append((keyword.decode("latin-1"), text.decode("latin-1")))
        elif name == "iTXt":
            keyword, _, rest = data.partition(b"\x00")
            assert rest[:2] == b"\x00\x00"  # not compressed
            _, _, rest = rest[2:].partition(b"\x00")  # language tag
            _, _, text = rest.partition(b"\x00")  # translated keyword
            by_type[name].append((keyword.decode("latin-1"), text.decode("utf-8")))
        else:
            by_type[name].append(data)
    return by_type


def decode(png: bytes) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of an 8-bit RGB, non-interlaced PNG with filter 0."""
    found = chunks(png)
    (header,) = found["IHDR"]
    assert isinstance(header, bytes)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour, interlace) == (8, 2, 0)
    raw = zlib.decompress(b"".join(d for d in found["IDAT"] if isinstance(d, bytes)))
    stride = width * 3 + 1
    assert len(raw) == height * stride
    assert all(raw[y * stride] == 0 for y in range(height))
    return width, height, b"".join(raw[y * stride + 1 : (y + 1) * stride] for y in range(height))


def make_series(values: list[tuple[int, int, int]]) -> WeeklySeries:
    start = date(2026, 9, 28)
    points = []
    for n, (on_time, counted, open_challenges) in enumerate(values):
        monday = start + timedelta(weeks=n)
        year, week, _ = monday.isocalendar()
        points.append(WeekPoint(f"{year}-W{week:02d}", monday, on_time, counted, open_challenges))
    return WeeklySeries(Team("console:test", "Test"), tuple(points))


SERIES = make_series(
    [(4, 5, 3), (0, 0, 6), (9, 10, 8), (2, 8, 12), (5, 5, 10), (7, 9, 7), (1, 4, 9), (3, 6, 4)]
)


def bar_heights(png: bytes) -> list[int]:
    """Height in pixels of each run of bar-coloured columns inside the plot, left to right."""
    width, _, pixels = decode(png)
    bar = bytes(charts.BAR)

    def top_of_bar(x: int) -> int | None:
        for y in range(charts.PLOT_TOP, charts.PLOT_BOTTOM):
            at = (y * width + x) * 3
            if pixels[at : at + 3] == bar:
                return y
        return None

    runs: list[list[int]] = []
    previous = False
    for x in range(charts.PLOT_LEFT, charts.PLOT_RIGHT):
        top = top_of_bar(x)
        if top is not None:
            if not previous:
                runs.append([])
            runs[-1].append(charts.PLOT_BOTTOM - top)
        previous = top is not None
    return [max(run) for run in runs]


def test_the_chart_is_a_valid_png() -> None:
    png = charts.weekly_chart(SERIES, "alt")
    found = raw_chunks(png)
    assert found[0][0] == b"IHDR" and found[-1][0] == b"IEND"
    for kind, data, crc in found:
        assert zlib.crc32(kind + data) & 0xFFFFFFFF == crc, kind
    width, height, pixels = decode(png)
    assert (width, height) == (charts.WIDTH, charts.HEIGHT)
    assert len(pixels) == width * height * 3


def test_the_text_chunk_carries_the_measured_series() -> None:
    png = charts.weekly_chart(SERIES, "Chart of the last 8 weeks — with words")
    found = chunks(png)
    texts = dict(found["tEXt"])
    series = json.loads(texts[charts.SERIES_KEY])
    assert series["weeks"] == [p.week for p in SERIES.points]
    assert series["kept_on_time_rate"] == SERIES.rates
    assert series["kept_on_time_rate"][:2] == [0.8, None]
    assert series["open_challenges"] == [3, 6, 8, 12, 10, 7, 9, 4]
    assert series["kept_on_time"] == [4, 0, 9, 2, 5, 7, 1, 3]
    assert series["counted"] == [5, 0, 10, 8, 5, 9, 4, 6]
    assert dict(found["iTXt"])["Description"] == "Chart of the last 8 weeks — with words"


def test_bars_are_as_high_as_the_rates_they_show() -> None:
    heights = bar_heights(charts.weekly_chart(SERIES, ""))
    rates = [r for r in SERIES.rates if r is not None]  # no bar for a week with nothing due
    assert len(heights) == len(rates) == 7
    full = charts.PLOT_BOTTOM - charts.PLOT_TOP
    for height, rate in zip(heights, rates, strict=True):
        assert abs(height - rate * full) <= 1, (height, rate)
    assert heights[0] != heights[2]  # 80 % and 90 % differ: not a placeholder


def test_different_values_draw_different_pictures() -> None:
    low = make_series([(1, 4, 2)] * 8)
    high = make_series([(4, 4, 2)] * 8)
    assert bar_heights(charts.weekly_chart(low, "")) != bar_heights(charts.weekly_chart(high, ""))
    more_open = make_series([(1, 4, 20)] * 8)
    assert decode(charts.weekly_chart(low, ""))[2] != decode(charts.weekly_chart(more_open, ""))[2]


def test_the_open_challenge_line_is_drawn_and_an_empty_series_still_draws() -> None:
    _, _, pixels = decode(charts.weekly_chart(SERIES, ""))
    line = bytes(charts.LINE)
    assert sum(pixels[i : i + 3] == line for i in range(0, len(pixels), 3)) > 500
    empty = charts.weekly_chart(make_series([(0, 0, 0)] * 8), "")
    assert json.loads(dict(chunks(empty)["tEXt"])[charts.SERIES_KEY])["open_challenges"] == [0] * 8
    assert bar_heights(empty) == []


def test_axis_tops_are_round_numbers() -> None:
    assert [charts.nice_ceiling(v) for v in (0, 2, 3, 7, 12, 20, 21, 99, 101)] == [
        2,
        2,
        5,
        10,
        20,
        20,
        50,
        100,
        200,
    ]
