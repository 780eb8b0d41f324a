"""Rich output for our management commands, written through the command's own stdout/stderr so
`call_command(..., stdout=...)` captures it and tests can read it."""

from __future__ import annotations

import io

from rich.console import Console


def render(renderable, *, width: int = 100) -> str:
    """A rich table or panel as plain text with box drawing, no colour codes."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(renderable)
    return buffer.getvalue()


def stderr_console(stream) -> Console:
    """For progress bars: rich draws them only when the stream is a terminal."""
    target = getattr(stream, "_out", stream)
    return Console(file=target, stderr=True)
