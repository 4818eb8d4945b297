"""Rolling context for chapter-aware translators: what the previous pages of a job said.

An LLM translating page 3 keeps names, tone and running jokes consistent when it sees pages 1
and 2 (source and translation). Pages may finish out of order (the viewport goes first), so
the memory is keyed by page index and a page sees the nearest earlier pages that are done.
Bounded on every axis: jobs (LRU), pages per job, lines per page.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Page:
    index: int
    source: tuple[str, ...]
    translation: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "page": self.index,
            "source": list(self.source),
            "translation": list(self.translation),
        }


class PageMemory:
    def __init__(
        self,
        pages: int = 2,
        *,
        max_jobs: int = 64,
        pages_per_job: int = 8,
        lines_per_page: int = 40,
    ) -> None:
        self.pages = pages
        self.max_jobs = max_jobs
        self.pages_per_job = pages_per_job
        self.lines_per_page = lines_per_page
        self._jobs: OrderedDict[str, dict[int, Page]] = OrderedDict()

    def remember(
        self, job_id: str, page_index: int, source: list[str], translation: list[str]
    ) -> None:
        if not job_id or self.pages <= 0:
            return
        pairs = [(s, t) for s, t in zip(source, translation, strict=True) if s and t]
        pairs = pairs[: self.lines_per_page]
        job = self._jobs.setdefault(job_id, {})
        self._jobs.move_to_end(job_id)
        job[page_index] = Page(page_index, tuple(s for s, _ in pairs), tuple(t for _, t in pairs))
        while len(job) > self.pages_per_job:
            # Keep the pages nearest the reader's progress: drop the earliest.
            del job[min(job)]
        while len(self._jobs) > self.max_jobs:
            self._jobs.popitem(last=False)

    def previous(self, job_id: str, page_index: int) -> list[Page]:
        """Up to `pages` done pages before `page_index`, in reading order."""
        job = self._jobs.get(job_id) if job_id else None
        if not job:
            return []
        earlier = sorted(i for i in job if i < page_index)[-self.pages :] if self.pages else []
        return [job[i] for i in earlier]
