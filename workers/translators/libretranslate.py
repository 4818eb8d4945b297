"""`libretranslate`: a LibreTranslate server (usually self-hosted, e.g. http://localhost:5000).

`POST {url}/translate` with `{"q": [texts], "source", "target", "format": "text", "api_key"?}`
answers `{"translatedText": [texts]}`: one request per page. `source` may be `auto`.
"""

from __future__ import annotations

from typing import Any

import httpx

from workers.errors import ItpError, TranslatorNotConfigured
from workers.translators import langs
from workers.translators.base import TranslationRequest
from workers.translators.common import ApiTranslator, BackendContext, chunks, shape_error
from workers.translators.http_client import error_detail

AUTH_HINT = (
    "set ITP_API_KEY (or api_key in config.toml) to a key this LibreTranslate server accepts"
)


def _classify(response: httpx.Response) -> ItpError | None:
    # LibreTranslate answers a missing or unknown key with 400/403 and an "API key" message.
    if response.status_code in (400, 403) and "api key" in error_detail(response).lower():
        return TranslatorNotConfigured(f"LibreTranslate rejected the request: {AUTH_HINT}")
    return None


class LibreTranslateTranslator(ApiTranslator):
    name = "libretranslate"
    service = "LibreTranslate"

    def __init__(self, ctx: BackendContext) -> None:
        super().__init__(ctx)
        if not self.base_url:
            raise TranslatorNotConfigured(
                "libretranslate needs the server's address: set --translator-url / "
                "ITP_TRANSLATOR_URL (e.g. http://localhost:5000)"
            )
        self.make_http(auth_hint=AUTH_HINT, classify=_classify)

    def variant(self) -> str:
        # Different servers may run different models: the URL is part of the cache key.
        return self.base_url

    async def _translate_texts(
        self, request: TranslationRequest, texts: list[str], hints: list[int]
    ) -> list[str]:
        assert self.http is not None
        out: list[str] = []
        for part in chunks(texts, max_items=100, max_chars=20_000):
            body: dict[str, Any] = {
                "q": part,
                "source": langs.libretranslate(request.source),
                "target": langs.libretranslate(request.target),
                "format": "text",
            }
            if self.settings.api_key:
                body["api_key"] = self.settings.api_key
            data = await self.http.post_json(f"{self.base_url}/translate", json_body=body)
            got = data.get("translatedText") if isinstance(data, dict) else None
            if not isinstance(got, list) or not all(isinstance(g, str) for g in got):
                raise shape_error(self.service, "no list of strings in 'translatedText'")
            out.extend(got)
        return out


def build(ctx: BackendContext) -> LibreTranslateTranslator:
    return LibreTranslateTranslator(ctx)
