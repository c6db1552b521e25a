"""A log-log line chart as SVG text, with axes, labels and a legend (no plotting dependency)."""

from __future__ import annotations

import math
from html import escape

COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
)
DASHES = ("", "6 3")


def _decades(lo: float, hi: float) -> list[int]:
    return list(range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1))


def _label(exp: int, unit: str) -> str:
    if unit == "s":
        value = 10.0**exp
        if value >= 1:
            return f"{value:g} s"
        if value >= 1e-3:
            return f"{value * 1e3:g} ms"
        return f"{value * 1e6:g} µs"
    return f"{10**exp:,}" if exp >= 0 else f"{10.0**exp:g}"


def loglog(
    series: dict[str, dict[int, float]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 900,
    height: int = 560,
) -> str:
    """``series`` maps a name to {x: y}; every x and y must be positive."""
    xs = [x for pts in series.values() for x in pts]
    ys = [y for pts in series.values() for y in pts.values()]
    left, right, top, bottom = 80, 300, 40, 60
    pw, ph = width - left - right, height - top - bottom
    xd, yd = _decades(min(xs), max(xs)), _decades(min(ys), max(ys))
    if len(xd) < 2:
        xd.append(xd[-1] + 1)
    if len(yd) < 2:
        yd.append(yd[-1] + 1)

    def px(x: float) -> float:
        return left + (math.log10(x) - xd[0]) / (xd[-1] - xd[0]) * pw

    def py(y: float) -> float:
        return top + ph - (math.log10(y) - yd[0]) / (yd[-1] - yd[0]) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left + pw / 2}" y="22" text-anchor="middle" font-size="15">'
        f"{escape(title)}</text>",
    ]
    for e in yd:
        y = py(10.0**e)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_label(e, 's'))}</text>"
        )
    for e in xd:
        x = px(10.0**e)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#ddd"/>')
        out.append(
            f'<text x="{x:.1f}" y="{top + ph + 18}" text-anchor="middle">'
            f"{escape(_label(e, 'n'))}</text>"
        )
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(
        f'<text x="{left + pw / 2}" y="{height - 18}" text-anchor="middle">'
        f"{escape(x_label)} (log scale)</text>"
    )
    out.append(
        f'<text transform="translate(20 {top + ph / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)} (log scale)</text>'
    )
    for i, (name, pts) in enumerate(series.items()):
        color, dash = COLORS[i % len(COLORS)], DASHES[i % 2]
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in sorted(pts.items()))
        style = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2"{style}/>'
        )
        for x, y in sorted(pts.items()):
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>')
        ly = top + 10 + i * 20
        lx = left + pw + 16
        out.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 26}" y2="{ly}" stroke="{color}" '
            f'stroke-width="2"{style}/>'
        )
        out.append(f'<text x="{lx + 32}" y="{ly + 4}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
