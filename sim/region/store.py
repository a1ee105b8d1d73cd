"""The raw store of a region: the services' responses as received, and their manifest.

``sim region fetch`` writes, in ``<root>/<name>.fetched/``::

    region.yaml                     the region's spec: name, municipalities, base year, trend
    manifest.json                   one entry per response (below), and the tables not found
    scb/TAB638/<sha256[:16]>.json   each response's bytes, exactly as received
    kolada/N00901/<...>.json

A manifest entry records the service, table, what was asked (``key``), the method, URL and
request body, the fetch time (UTC), the response's sha256 and size, its file, the service's API
version and ``updated`` stamp where it gives them, and the licence and attribution of the data.
Files are written atomically and the manifest after each response, so an interrupted fetch
keeps what it got and a second fetch asks only for what is missing (a cache keyed by method,
URL and body). ``sim region build`` reads only this folder.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from sim.io.atomic import write_bytes, write_text
from sim.region.client import SourceError

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Entry:
    """One stored response (see the module docstring)."""

    service: str
    table: str
    key: str
    method: str
    url: str
    body: dict | None
    fetched_at: str
    sha256: str
    size: int
    file: str
    licence: str
    attribution: str
    api_version: str = ""
    updated: str = ""


@dataclass(frozen=True)
class Missing:
    """A table the service does not have for this region (the build falls back, and says so)."""

    service: str
    table: str
    key: str
    reason: str


def request_key(method: str, url: str, body: dict | None) -> str:
    return json.dumps([method, url, body], sort_keys=True, ensure_ascii=False)


class RawStore:
    """The fetch stage's folder (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.entries: list[Entry] = []
        self.missing: list[Missing] = []
        path = self.folder / MANIFEST
        if path.exists():
            self._read(path)

    def _read(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.entries = [Entry(**e) for e in data["responses"]]
            self.missing = [Missing(**m) for m in data.get("missing", [])]
            problem = next(filter(None, map(_bad_entry, self.entries)), None)
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            problem = f"{type(err).__name__}: {err}"
        if problem:
            raise SourceError(
                f"{path}: not a manifest of sim region fetch ({problem}); remove the folder "
                "and fetch again"
            )

    def keep_only(self, requests: set[str]) -> None:
        """Forget (and delete) every stored answer not among ``requests`` (their
        :func:`request_key`): after a fetch, the store holds exactly what that fetch asked, so
        an earlier fetch of other municipalities or years is never built from."""
        stale = [e for e in self.entries if request_key(e.method, e.url, e.body) not in requests]
        if not stale:
            return
        self.entries = [e for e in self.entries if e not in stale]
        self.save()
        kept = {e.file for e in self.entries}
        for entry in stale:
            if entry.file not in kept:
                (self.folder / entry.file).unlink(missing_ok=True)

    def cached(self, method: str, url: str, body: dict | None) -> Entry | None:
        """The stored entry of this request whose file is still intact, if any."""
        wanted = request_key(method, url, body)
        for entry in self.entries:
            if request_key(entry.method, entry.url, entry.body) == wanted:
                path = self.folder / entry.file
                if path.exists() and _sha256(path.read_bytes()) == entry.sha256:
                    return entry
        return None

    def add(self, entry_without_file: dict, content: bytes) -> Entry:
        """Store ``content`` and its entry; the manifest is rewritten at once."""
        sha = _sha256(content)
        service, table = entry_without_file["service"], entry_without_file["table"]
        file = f"{service.lower()}/{table}/{sha[:16]}.json"
        write_bytes(self.folder / file, content)
        entry = Entry(**entry_without_file, sha256=sha, size=len(content), file=file)
        wanted = request_key(entry.method, entry.url, entry.body)
        self.entries = [
            e for e in self.entries if request_key(e.method, e.url, e.body) != wanted
        ] + [entry]
        self.save()
        return entry

    def mark_missing(self, missing: Missing) -> None:
        self.missing = [m for m in self.missing if m.key != missing.key] + [missing]
        self.save()

    def found(self, key: str) -> None:
        """``key`` was fetched after all: it is no longer missing."""
        if any(m.key == key for m in self.missing):
            self.missing = [m for m in self.missing if m.key != key]
            self.save()

    def save(self) -> None:
        data = {
            "version": MANIFEST_VERSION,
            "responses": [asdict(e) for e in self.entries],
            "missing": [asdict(m) for m in self.missing],
        }
        write_text(self.folder / MANIFEST, json.dumps(data, indent=1, ensure_ascii=False) + "\n")

    def of(self, key: str) -> list[Entry]:
        """The entries fetched for ``key``, in the order they were asked for."""
        return [e for e in self.entries if e.key == key]

    def content(self, entry: Entry) -> bytes:
        """The stored bytes of ``entry``, checked against the manifest's sha256."""
        path = self.folder / entry.file
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise SourceError(
                f"{entry.service} {entry.table} ({entry.key}): the stored response {path} is "
                "missing; fetch again (sim region fetch)"
            ) from None
        if _sha256(content) != entry.sha256:
            raise SourceError(
                f"{entry.service} {entry.table} ({entry.key}): the stored response {path} does "
                "not match the sha256 in the manifest (changed or truncated); fetch again "
                "(sim region fetch --refresh)"
            )
        return content


FILE_PATTERN = re.compile(r"(scb|kolada)/[A-Za-z0-9_,-]{1,200}/[0-9a-f]{16}\.json")
TEXT_FIELDS = ("service", "table", "key", "method", "url", "fetched_at", "sha256", "file")


def _bad_entry(entry: Entry) -> str | None:
    """Why a manifest entry cannot be trusted, or None: every field of its type, and its file
    inside the store (never an absolute path or '..')."""
    if any(not isinstance(getattr(entry, name), str) for name in TEXT_FIELDS):
        return f"entry of {entry.table!r} has a field that is not text"
    if not FILE_PATTERN.fullmatch(entry.file):
        return f"entry of {entry.table!r} names the file {entry.file!r}, not one of the store's"
    if not isinstance(entry.size, int) or not (entry.body is None or isinstance(entry.body, dict)):
        return f"entry of {entry.table!r} has a malformed size or body"
    return None


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
