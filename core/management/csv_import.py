"""The base of the commands that load a CSV extract (``manage.py import_claims FILE.csv``, ...).

A command names its import function and the error it raises when the file cannot be imported at
all; the base does the rest, the same way for every extract: the ``file`` and ``--batch-size``
arguments, opening the file as UTF-8 (a spreadsheet's byte-order mark dropped), each bad row
written to stderr as "line N: reason" as it is found, the summary on stdout, and the exit status:
1 only when the file cannot be imported at all (missing file, wrong header, unreadable CSV);
rejected rows alone still exit 0.

The import function is called as ``importer(lines=..., batch_size=..., on_error=..., on_batch=...)``
and returns a result with ``rows_read``, ``upserted`` and ``rejected``.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries

DEFAULT_BATCH_SIZE = 1000


class CsvImportCommand(BaseCommand):
    """Subclasses set ``help``, ``columns_help``, ``import_error`` and ``run_import``."""

    columns_help: ClassVar[str] = "CSV file with a header row"
    default_batch_size: ClassVar[int] = DEFAULT_BATCH_SIZE
    # The exception the import raises when nothing more can be read: reported as "FILE: reason".
    import_error: ClassVar[type[Exception]] = Exception

    def run_import(self, **kwargs) -> Any:
        """Call the import function with ``kwargs`` (lines, batch_size, on_error, on_batch)."""
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", help=self.columns_help)
        parser.add_argument(
            "--batch-size", type=int, default=self.default_batch_size, help="Rows per upsert statement."
        )

    def handle(self, *args, file, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        self.import_file(file, importer=self.run_import, import_error=self.import_error, batch_size=batch_size)

    def import_file(self, file: str, *, importer: Callable[..., Any], import_error: type[Exception], batch_size: int):
        """Open one CSV file, run ``importer`` on it and report; a command with a second file (the
        claims' service lines) calls this once more."""
        try:
            # utf-8-sig drops the byte-order mark spreadsheet programs write.
            handle = open(file, newline="", encoding="utf-8-sig")  # noqa: SIM115  (closed below)
        except OSError as exc:
            raise CommandError(f"Cannot open {file}: {exc.strerror}.")
        on_error: Callable[[str], None] = self.stderr.write
        with handle:
            try:
                result = importer(
                    lines=handle,
                    batch_size=batch_size,
                    on_error=on_error,
                    # With DEBUG on, Django keeps the SQL of the last 9,000 queries: on a large file
                    # that is most of the file again in memory. Nothing here needs that log.
                    on_batch=lambda _result: reset_queries(),
                )
            except import_error as exc:
                raise CommandError(f"{file}: {exc}")
        style = self.style.WARNING if result.rejected else self.style.SUCCESS
        self.stdout.write(
            style(f"Rows read: {result.rows_read}. Upserted: {result.upserted}. Rejected: {result.rejected}.")
        )
