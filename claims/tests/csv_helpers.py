"""What the tests of the CSV imports share: writing an extract, and running an import command."""

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.core.management import call_command


def csv_text(rows: Iterable[dict], columns: Sequence[str]) -> str:
    """A CSV extract: the header row ``columns``, then one line per row (other keys ignored)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def csv_file(directory: Path, rows: Iterable[dict], columns: Sequence[str], name: str = "extract.csv") -> Path:
    """The extract written to ``directory / name``."""
    path = directory / name
    path.write_text(csv_text(rows, columns))
    return path


def command_run(command: str, path: Path, *args: str) -> tuple[str, str]:
    """Run an import command on ``path``; returns what it wrote to stdout and stderr. A
    CommandError propagates, with the exit status it would give in the shell."""
    out, err = io.StringIO(), io.StringIO()
    call_command(command, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()
