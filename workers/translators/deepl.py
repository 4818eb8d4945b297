"""`deepl`: DeepL API v2.

`POST {url}/v2/translate` with header `Authorization: DeepL-Auth-Key KEY` and JSON
`{"text": [texts], "target_lang", "source_lang"?, "formality"?}` answers
`{"translations": [{"text", "detected_source_language"}]}`. The base URL follows the key:
free-plan keys end in `:fx` and go to api-free.deepl.com, others to api.deepl.com. Up to 50
texts per request, so a page is one request. Option `formality` (extra): default, more, less,
prefer_more, prefer_less.
"""

from __future__ import annotations

from typing import Any

import httpx

from workers.errors import ItpError, TranslatorFailed, TranslatorNotConfigured
from workers.translators import langs
from workers.translators.base import TranslationRequest
from workers.translators.common import ApiTranslator, BackendContext, chunks, shape_error

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
AUTH_HINT = "set DEEPL_AUTH_KEY (free-plan keys end in ':fx') or api_key in config.toml"


def _classify(response: httpx.Response) -> ItpError | None:
    if response.status_code == 456:
        return TranslatorFailed(
            "DeepL quota exceeded: this key's character allowance for the billing period is "
            "used up",
            retryable=False,
        )
    return None


class DeepLTranslator(ApiTranslator):
    name = "deepl"
    service = "DeepL"

    def __init__(self, ctx: BackendContext) -> None:
        key = ctx.settings.api_key
        if not key:
            raise TranslatorNotConfigured(f"deepl needs an API key: {AUTH_HINT}")
        self.default_url = FREE_URL if key.endswith(":fx") else PRO_URL
        super().__init__(ctx)
        self.make_http(
            auth_hint=AUTH_HINT,
            classify=_classify,
            headers={"Authorization": f"DeepL-Auth-Key {key}"},
        )

    def variant(self) -> str:
        return f"formality={self.settings.option('formality')}"

    async def _translate_texts(
        self, request: TranslationRequest, texts: list[str], hints: list[int]
    ) -> list[str]:
        assert self.http is not None
        out: list[str] = []
        for part in chunks(texts, max_items=50, max_chars=30_000):
            body: dict[str, Any] = {"text": part, "target_lang": langs.deepl_target(request.target)}
            source = langs.deepl_source(request.source)
            if source:
                body["source_lang"] = source
            formality = self.settings.option("formality")
            if formality:
                body["formality"] = formality
            data = await self.http.post_json(f"{self.base_url}/v2/translate", json_body=body)
            items = data.get("translations") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise shape_error(self.service, "no 'translations' list")
            for item in items:
                text = item.get("text") if isinstance(item, dict) else None
                if not isinstance(text, str):
                    raise shape_error(self.service, "a translation without 'text'")
                out.append(text)
        return out


def build(ctx: BackendContext) -> DeepLTranslator:
    return DeepLTranslator(ctx)
