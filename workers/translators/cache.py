"""Translation cache: a text translated once is not paid for again.

Keyed by (backend, model/variant, source, target, glossary version, text), hashed. An
in-memory LRU answers repeats within a process; with a cache directory, an sqlite database
(`translations.sqlite3`) keeps them across runs and is shared by the processes of one machine
(WAL mode; sqlite serialises the writers). Lookups are sub-millisecond and writes skip fsync
(`synchronous=NORMAL`), so they run on the event loop rather than queueing behind CPU-bound
stage work in the default executor. A broken or locked database degrades to memory only: a
cache must never fail a translation.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("itp.translators.cache")

DB_NAME = "translations.sqlite3"


@dataclass(frozen=True, slots=True)
class CacheScope:
    """Everything besides the text that changes a translation."""

    backend: str
    model: str
    source: str
    target: str
    glossary_version: str = ""

    def key(self, text: str) -> str:
        parts = (self.backend, self.model, self.source, self.target, self.glossary_version, text)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class TranslationCache:
    def __init__(self, cache_dir: Path | None = None, *, max_entries: int = 20_000) -> None:
        self.max_entries = max_entries
        self._memory: OrderedDict[str, str] = OrderedDict()
        self._db: sqlite3.Connection | None = None
        if cache_dir is not None:
            self._db = self._open(cache_dir / DB_NAME)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS translations"
                " (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
        except (OSError, sqlite3.Error) as e:
            log.warning("translation cache %s unusable, keeping it in memory only: %s", path, e)
            return None
        return db

    @property
    def persistent(self) -> bool:
        return self._db is not None

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        missing: list[str] = []
        for k in keys:
            if k in self._memory:
                self._memory.move_to_end(k)
                found[k] = self._memory[k]
            else:
                missing.append(k)
        if missing and self._db is not None:
            from_disk = self._select(missing)
            for k, v in from_disk.items():
                self._remember(k, v)
            found.update(from_disk)
        return found

    def _select(self, keys: list[str]) -> dict[str, str]:
        assert self._db is not None
        out: dict[str, str] = {}
        try:
            # Chunked: sqlite caps the number of bound parameters per statement.
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, value FROM translations WHERE key IN ({marks})", chunk
                )
                out.update((str(k), str(v)) for k, v in rows)
        except sqlite3.Error as e:
            self._disable(e)
        return out

    def put_many(self, items: Mapping[str, str]) -> None:
        for k, v in items.items():
            self._remember(k, v)
        if items and self._db is not None:
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO translations (key, value) VALUES (?, ?)",
                    list(items.items()),
                )
            except sqlite3.Error as e:
                self._disable(e)

    def _remember(self, key: str, value: str) -> None:
        self._memory[key] = value
        self._memory.move_to_end(key)
        while len(self._memory) > self.max_entries:
            self._memory.popitem(last=False)

    def _disable(self, error: sqlite3.Error) -> None:
        log.warning("translation cache database failed, keeping it in memory only: %s", error)
        self.close()

    def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            db.close()

    def __len__(self) -> int:
        return len(self._memory)
