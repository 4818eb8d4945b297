"""The results cache's keys: the image, the job's settings, and the models that make it.

What made a result is reported by the stages (`PageResult.used`: reader, page analyser,
inpainter and its weights, font); in distributed mode those are the workers' models, not
this server's settings. The keys follow what the pipeline says of its models at start and
what its results say since: a page that needed no inpainter ("fill") says nothing about it.
"""

from __future__ import annotations

from collections.abc import Mapping

from backend.server.cache import cache_key, fingerprint
from workers.config import JobSettings


class ResultKeys:
    def __init__(self, version: str) -> None:
        self.version = version
        self._used: dict[str, str] = {}
        self._fingerprints: dict[JobSettings, tuple[tuple[tuple[str, str], ...], str]] = {}

    def learn(self, used: Mapping[str, str]) -> None:
        for role, name in used.items():
            if not (role == "inpainter" and name == "fill"):
                self._used[role] = name

    def fingerprint(self, job: JobSettings) -> str:
        used = tuple(sorted(self._used.items()))
        found = self._fingerprints.get(job)
        if found is None or found[0] != used:
            found = self._fingerprints[job] = (used, fingerprint(job, self._used,
                                                                 self.version))
        return found[1]

    def key(self, data_sha256: str, job: JobSettings) -> str:
        return cache_key(data_sha256, self.fingerprint(job))
