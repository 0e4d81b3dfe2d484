"""Inline SVG charts: no script, no network. Geometry uses floats; every number a person
reads (tooltips, axis labels) is formatted by the caller or rounded here to tick values."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dagster_project.report.fmt import esc

# Okabe-Ito and Tableau hues that stay distinct for colour-blind readers.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#76B7B2"]
GREY = "#8c8c8c"


@dataclass
class Series:
    name: str
    values: list[float]
    color: str
    opacity: float = 1.0
    tooltips: list[str] | None = None


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, t = [], start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(ticks[-1] + step)
    return ticks


def tick_label(v: float) -> str:
    if abs(v) >= 1_000_000:
        return f"{v / 1_000_000:,.{0 if v % 1_000_000 == 0 else 1}f}M"
    if abs(v) >= 10_000:
        return f"{v / 1_000:,.{0 if v % 1_000 == 0 else 1}f}k"
    return f"{v:,.{0 if float(v).is_integer() else 2}f}"


class _Frame:
    def __init__(self, width: int, height: int, lo: float, hi: float, n: int, left: int = 64, bottom: int = 44):
        self.w, self.h, self.left, self.top, self.right, self.bottom = width, height, left, 12, 12, bottom
        self.ticks = nice_ticks(min(lo, 0.0), max(hi, 0.0))
        self.lo, self.hi = self.ticks[0], self.ticks[-1]
        self.n = max(n, 1)
        self.plot_w = width - self.left - self.right
        self.plot_h = height - self.top - self.bottom

    def y(self, v: float) -> float:
        return self.top + (self.hi - v) / (self.hi - self.lo) * self.plot_h

    def slot(self) -> float:
        return self.plot_w / self.n

    def x(self, i: int) -> float:
        return self.left + i * self.slot()

    def axes(self, x_labels: list[str], label_every: int = 1) -> list[str]:
        out = []
        for t in self.ticks:
            y = self.y(t)
            out.append(f'<line x1="{self.left}" x2="{self.w - self.right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
            out.append(f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{esc(tick_label(t))}</text>')
        y0 = self.y(0)
        out.append(f'<line x1="{self.left}" x2="{self.w - self.right}" y1="{y0:.1f}" y2="{y0:.1f}" class="zero"/>')
        for i, lab in enumerate(x_labels):
            if i % label_every == 0:
                cx = self.x(i) + self.slot() / 2
                out.append(f'<text x="{cx:.1f}" y="{self.h - self.bottom + 16}" text-anchor="middle" class="tick">{esc(lab)}</text>')
        return out

    def wrap(self, body: list[str], title: str) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.w} {self.h}" role="img" '
                f'aria-label="{esc(title)}" class="chart"><title>{esc(title)}</title>' + "".join(body) + "</svg>")


def stacked_bars(x_labels: list[str], series: list[Series], title: str, width: int = 960, height: int = 360) -> str:
    """One bar per x label; positive parts stack up from zero, negative parts (credits) down."""
    n = len(x_labels)
    pos_tot = [sum(max(s.values[i], 0) for s in series) for i in range(n)]
    neg_tot = [sum(min(s.values[i], 0) for s in series) for i in range(n)]
    f = _Frame(width, height, min(neg_tot, default=0), max(pos_tot, default=1), n)
    body = f.axes(x_labels, label_every=max(1, math.ceil(n / 16)))
    bar_w = f.slot() * 0.78
    for i in range(n):
        up, down = 0.0, 0.0
        x = f.x(i) + (f.slot() - bar_w) / 2
        for s in series:
            v = s.values[i]
            if v == 0:
                continue
            if v > 0:
                y1, y2 = f.y(up + v), f.y(up)
                up += v
            else:
                y1, y2 = f.y(down), f.y(down + v)
                down += v
            tip = s.tooltips[i] if s.tooltips else f"{s.name}: {v:,.2f}"
            body.append(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" height="{max(y2 - y1, 0.5):.1f}" '
                        f'fill="{s.color}" fill-opacity="{s.opacity}"><title>{esc(x_labels[i])} {esc(tip)}</title></rect>')
    return f.wrap(body, title)


def bars_and_lines(x_labels: list[str], bars: Series, lines: list[Series], title: str, width: int = 720, height: int = 320) -> str:
    """Bars (green up, red down) with cumulative lines over them: the TEI cash-flow chart."""
    n = len(x_labels)
    values = bars.values + [v for s in lines for v in s.values]
    f = _Frame(width, height, min(values, default=0), max(values, default=1), n, left=72)
    body = f.axes(x_labels)
    bar_w = f.slot() * 0.5
    for i, v in enumerate(bars.values):
        x = f.x(i) + (f.slot() - bar_w) / 2
        y1, y2 = sorted((f.y(v), f.y(0)))
        color = "#2e9d5b" if v >= 0 else "#d1495b"
        tip = bars.tooltips[i] if bars.tooltips else f"{v:,.2f}"
        body.append(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" height="{max(y2 - y1, 0.5):.1f}" fill="{color}" '
                    f'fill-opacity="0.75"><title>{esc(x_labels[i])}: {esc(bars.name)} {esc(tip)}</title></rect>')
    for s in lines:
        pts = [(f.x(i) + f.slot() / 2, f.y(v)) for i, v in enumerate(s.values)]
        dash = ' stroke-dasharray="6 4"' if s.opacity < 1 else ""
        body.append(f'<polyline fill="none" stroke="{s.color}" stroke-width="2.5"{dash} '
                    f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}"/>')
        for i, (x, y) in enumerate(pts):
            tip = s.tooltips[i] if s.tooltips else f"{s.values[i]:,.2f}"
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{s.color}"><title>{esc(x_labels[i])}: '
                        f'{esc(s.name)} {esc(tip)}</title></circle>')
    return f.wrap(body, title)


def hbars(labels: list[str], values: list[float], tooltips: list[str], title: str, width: int = 720) -> str:
    """Horizontal bars, one per label (unit costs by model)."""
    row_h, left = 26, 260
    height = row_h * len(labels) + 36
    hi = max(values, default=1) or 1
    ticks = nice_ticks(0, hi, 4)
    scale = (width - left - 20) / ticks[-1]
    body = []
    for t in ticks:
        x = left + t * scale
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="4" y2="{height - 28}" class="grid"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" class="tick">{esc(f"{t:g}")}</text>')
    for i, (lab, v, tip) in enumerate(zip(labels, values, tooltips)):
        y = 6 + i * row_h
        body.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="tick">{esc(lab)}</text>')
        body.append(f'<rect x="{left}" y="{y}" width="{max(v * scale, 0.5):.1f}" height="{row_h - 8}" '
                    f'fill="{PALETTE[i % len(PALETTE)]}"><title>{esc(lab)}: {esc(tip)}</title></rect>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" '
            f'class="chart"><title>{esc(title)}</title>' + "".join(body) + "</svg>")


def bars_with_line(x_labels: list[str], bars: Series, line: Series, title: str, width: int = 960, height: int = 300) -> str:
    """Bars (a value of None draws nothing: not there yet) with a dashed line over them:
    billed per day against the estimate."""
    n = len(x_labels)
    values = [v for v in bars.values + line.values if v is not None]
    f = _Frame(width, height, min(values, default=0), max(values, default=1), n, left=72)
    body = f.axes(x_labels, label_every=max(1, math.ceil(n / 16)))
    bar_w = f.slot() * 0.7
    for i, v in enumerate(bars.values):
        if v is None:
            continue
        x = f.x(i) + (f.slot() - bar_w) / 2
        y1, y2 = sorted((f.y(v), f.y(0)))
        tip = bars.tooltips[i] if bars.tooltips else f"{v:,.2f}"
        body.append(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar_w:.1f}" height="{max(y2 - y1, 0.5):.1f}" fill="{bars.color}" '
                    f'fill-opacity="{bars.opacity}"><title>{esc(x_labels[i])}: {esc(bars.name)} {esc(tip)}</title></rect>')
    pts = [(f.x(i) + f.slot() / 2, f.y(v)) for i, v in enumerate(line.values) if v is not None]
    body.append(f'<polyline fill="none" stroke="{line.color}" stroke-width="2" stroke-dasharray="6 4" '
                f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}"/>')
    for i, v in enumerate(line.values):
        if v is None:
            continue
        tip = line.tooltips[i] if line.tooltips else f"{v:,.2f}"
        body.append(f'<circle cx="{f.x(i) + f.slot() / 2:.1f}" cy="{f.y(v):.1f}" r="3" fill="{line.color}"><title>{esc(x_labels[i])}: '
                    f'{esc(line.name)} {esc(tip)}</title></circle>')
    return f.wrap(body, title)
