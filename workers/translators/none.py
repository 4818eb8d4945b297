"""`none`: erase only. Every text translates to "", and the pipeline letters nothing in, which
gives the cleaned pages scanlation editors start from."""

from __future__ import annotations

from workers.translators.base import TranslationRequest
from workers.translators.common import BackendContext


class NoneTranslator:
    name = "none"

    async def translate(self, request: TranslationRequest) -> list[str]:
        return ["" for _ in request.texts]

    async def aclose(self) -> None:
        return None


def build(ctx: BackendContext) -> NoneTranslator:
    return NoneTranslator()
