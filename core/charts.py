"""A grouped bar chart drawn on the server as SVG: no script, no third-party chart library.

The template draws it from these numbers; the same numbers are shown in a table beside it, so
the chart is never the only way to read them.
"""

WIDTH = 640
HEIGHT = 240
LEFT = 36  # room for the axis numbers
BOTTOM = 36  # room for the week labels
TOP = 12


def _nice_ceiling(value: int) -> int:
    """The smallest 2, 4, 6, 8 or 10 × 10ⁿ at or above ``value`` (at least 2): its half is a whole
    number too, for the middle grid line."""
    value = max(value, 2)
    step = 1
    while True:
        for factor in (2, 4, 6, 8, 10):
            if factor * step >= value:
                return factor * step
        step *= 10


def weekly_bars(rows: list[dict], series: tuple[str, ...] = ("received", "decided")) -> dict:
    """Geometry of a grouped bar chart: one group per row, one bar per series."""
    top = _nice_ceiling(max((row[name] for row in rows for name in series), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    group_width = (WIDTH - LEFT) / max(len(rows), 1)
    bar_width = group_width * 0.7 / len(series)
    groups = []
    for index, row in enumerate(rows):
        x0 = LEFT + index * group_width + group_width * 0.15
        bars = []
        for position, name in enumerate(series):
            height = plot_height * row[name] / top
            bars.append(
                {
                    "series": name,
                    "value": row[name],
                    "x": round(x0 + position * bar_width, 1),
                    "y": round(TOP + plot_height - height, 1),
                    "width": round(bar_width - 1, 1),
                    "height": round(height, 1),
                }
            )
        groups.append(
            {"row": row, "bars": bars, "label_x": round(x0 + bar_width * len(series) / 2, 1), "label_y": HEIGHT - 20}
        )
    grid = []
    for value in (0, top // 2, top):
        y = round(TOP + plot_height - plot_height * value / top, 1)
        grid.append({"value": value, "y": y, "text_y": round(y + 4, 1)})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH,
        "axis_y": TOP + plot_height,
        "groups": groups,
        "grid": grid,
        "top": top,
    }
