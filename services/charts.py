"""Small SVG charts drawn on the server: they render with no internet and no JavaScript."""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 560, 200, 44, 28, 12


def _frame(max_value: float, unit: str) -> list[str]:
    parts = []
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    for i in range(5):
        value = max_value * i / 4
        y = HEIGHT - PAD_BOTTOM - plot_h * i / 4
        parts.append(f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        label = f"{value:.0f}{unit}"
        parts.append(f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#666">'
                     f'{escape(label)}</text>')
    return parts


def bar_chart(labels: list[str], values: list[float], title: str, unit: str = "") -> Markup:
    top = max(values + [1])
    top = _nice(top)
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(values), 1)
    parts = _frame(top, unit)
    for i, (label, value) in enumerate(zip(labels, values)):
        h = plot_h * value / top
        x = PAD_LEFT + i * step + step * 0.15
        y = HEIGHT - PAD_BOTTOM - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="#2c7be5">'
                     f'<title>{escape(label)}: {value:g}{escape(unit)}</title></rect>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - 10}" text-anchor="middle" font-size="10" '
                     f'fill="#666">{escape(label[-2:])}</text>')
    return _svg(parts, title)


def line_chart(labels: list[str], values: list[float | None], title: str, unit: str = "%",
               top: float = 100) -> Markup:
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(values), 1)
    parts = _frame(top, unit)
    points = []
    for i, (label, value) in enumerate(zip(labels, values)):
        x = PAD_LEFT + i * step + step / 2
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle" font-size="10" fill="#666">'
                     f'{escape(label[-2:])}</text>')
        if value is None:
            continue
        y = HEIGHT - PAD_BOTTOM - plot_h * value / top
        points.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#00a65a"><title>{escape(label)}: '
                     f'{value:.0f}{escape(unit)}</title></circle>')
    if len(points) > 1:
        parts.insert(0, f'<polyline points="{" ".join(points)}" fill="none" stroke="#00a65a" stroke-width="2"/>')
    return _svg(parts, title)


def _svg(parts: list[str], title: str) -> Markup:
    body = "".join(parts)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
                  f'aria-label="{escape(title)}" style="width:100%;height:auto"><title>{escape(title)}</title>'
                  f'{body}</svg>')


def _nice(value: float) -> float:
    for candidate in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if value <= candidate:
            return candidate
    return value
