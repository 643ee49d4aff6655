"""Server-side charts: bar geometry for an inline SVG and heat levels as CSS classes
(no inline styles or scripts, so they pass the Content-Security-Policy)."""

from typing import Any

CHART_HEIGHT = 120
BAR_WIDTH = 16


def day_bars(days: list[dict[str, Any]]) -> dict[str, Any]:
    top = max((d["checkins"] for d in days), default=0)
    peak = top or 1
    bars = []
    for index, day in enumerate(days):
        height = round(day["checkins"] / peak * CHART_HEIGHT)
        bars.append(
            {
                "x": index * (BAR_WIDTH + 4),
                "y": CHART_HEIGHT - height,
                "height": height,
                "label": day["day"].day,
                "checkins": day["checkins"],
            }
        )
    return {
        "bars": bars,
        "width": len(days) * (BAR_WIDTH + 4),
        "height": CHART_HEIGHT + 16,
        "bar_width": BAR_WIDTH,
        "label_y": CHART_HEIGHT + 12,
        "peak": top,
    }


def heat_rows(grid: list[list[int]]) -> list[list[dict[str, int]]]:
    """Each cell's count and a level 0–5 relative to the busiest cell."""
    peak = max((max(row) for row in grid), default=0) or 1
    return [
        [{"count": count, "level": 0 if not count else 1 + (count * 4) // peak} for count in row]
        for row in grid
    ]
