"""`google`: Google Cloud Translation, Basic edition (v2), with an API key.

`POST {url}/language/translate/v2` with JSON `{"q": [texts], "target", "source"?,
"format": "text", "model"?}` answers `{"data": {"translations": [{"translatedText"}]}}`. The key
goes in the `X-goog-api-key` header, which Google APIs accept in place of `?key=`: a URL gets
logged (httpx logs every request URL at INFO), a header does not.
`format: text` matters: the default (html) would return `&#39;` for every apostrophe. Up to 128
texts per request, so a page is one request. `--translator-model` may be `nmt` or `base`.
"""

from __future__ import annotations

from typing import Any

import httpx

from workers.errors import ItpError, TranslatorNotConfigured
from workers.translators import langs
from workers.translators.base import TranslationRequest
from workers.translators.common import ApiTranslator, BackendContext, chunks, shape_error
from workers.translators.http_client import error_detail

DEFAULT_URL = "https://translation.googleapis.com"
AUTH_HINT = (
    "set GOOGLE_API_KEY (a key with the Cloud Translation API enabled) or api_key in config.toml"
)


def _classify(response: httpx.Response) -> ItpError | None:
    # Google answers an invalid key with 400 INVALID_ARGUMENT rather than 401.
    if response.status_code == 400 and "api key" in error_detail(response).lower():
        return TranslatorNotConfigured(f"Google Translate rejected the key: {AUTH_HINT}")
    return None


class GoogleTranslator(ApiTranslator):
    name = "google"
    service = "Google Translate"
    default_url = DEFAULT_URL

    def __init__(self, ctx: BackendContext) -> None:
        super().__init__(ctx)
        if not ctx.settings.api_key:
            raise TranslatorNotConfigured(f"google needs an API key: {AUTH_HINT}")
        self.make_http(
            auth_hint=AUTH_HINT,
            classify=_classify,
            headers={"X-goog-api-key": ctx.settings.api_key},
        )

    async def _translate_texts(
        self, request: TranslationRequest, texts: list[str], hints: list[int]
    ) -> list[str]:
        assert self.http is not None
        out: list[str] = []
        target = langs.google(request.target) or "en"
        source = langs.google(request.source)
        for part in chunks(texts, max_items=128, max_chars=30_000):
            body: dict[str, Any] = {"q": part, "target": target, "format": "text"}
            if source:
                body["source"] = source
            if self.settings.model:
                body["model"] = self.settings.model
            data = await self.http.post_json(
                f"{self.base_url}/language/translate/v2",
                json_body=body,
            )
            inner = data.get("data") if isinstance(data, dict) else None
            items = inner.get("translations") if isinstance(inner, dict) else None
            if not isinstance(items, list):
                raise shape_error(self.service, "no 'data.translations' list")
            for item in items:
                text = item.get("translatedText") if isinstance(item, dict) else None
                if not isinstance(text, str):
                    raise shape_error(self.service, "a translation without 'translatedText'")
                out.append(text)
        return out


def build(ctx: BackendContext) -> GoogleTranslator:
    return GoogleTranslator(ctx)
