"""`papago`: Naver Cloud Papago Translation (text translation).

`POST {url}/nmt/v1/translation` with headers `X-NCP-APIGW-API-KEY-ID` (client id) and
`X-NCP-APIGW-API-KEY` (client secret) and JSON `{"source", "target", "text", "honorific"?}`
answers `{"message": {"result": {"translatedText"}}}`. The API takes one text per call, so a
page's texts go out concurrently, at most `concurrency` (extra, default 4) at a time for this
translator. Credentials: extra `client_id` / `client_secret` (from NAVER_CLIENT_ID /
NAVER_CLIENT_SECRET), or `ITP_API_KEY=ID:SECRET`. Option `honorific=true` asks for polite
Korean/Japanese.
"""

from __future__ import annotations

import asyncio
from typing import Any

from workers.errors import ItpError, TranslatorNotConfigured
from workers.translators import langs
from workers.translators.base import TranslationRequest
from workers.translators.common import ApiTranslator, BackendContext, option_float, shape_error

DEFAULT_URL = "https://papago.apigw.ntruss.com"
AUTH_HINT = "set NAVER_CLIENT_ID and NAVER_CLIENT_SECRET (or ITP_API_KEY=ID:SECRET)"


def credentials(ctx: BackendContext) -> tuple[str, str]:
    s = ctx.settings
    client_id = s.option("client_id")
    secret = s.option("client_secret")
    if not client_id and ":" in s.api_key:
        client_id, _, secret = s.api_key.partition(":")
    secret = secret or s.api_key
    if not client_id or not secret:
        raise TranslatorNotConfigured(f"papago needs a client id and secret: {AUTH_HINT}")
    return client_id, secret


class PapagoTranslator(ApiTranslator):
    name = "papago"
    service = "Papago"
    default_url = DEFAULT_URL

    def __init__(self, ctx: BackendContext) -> None:
        super().__init__(ctx)
        client_id, secret = credentials(ctx)
        self.make_http(
            auth_hint=AUTH_HINT,
            secrets=(client_id, secret),
            headers={"X-NCP-APIGW-API-KEY-ID": client_id, "X-NCP-APIGW-API-KEY": secret},
        )
        # Shared by all pages this translator works on: the limit is per service, not per page.
        self._slots = asyncio.Semaphore(max(1, int(option_float(ctx.settings, "concurrency", 4))))

    def variant(self) -> str:
        return f"honorific={self._honorific()}"

    def _honorific(self) -> bool:
        return self.settings.option("honorific").lower() in ("1", "true", "yes")

    async def _one(self, request: TranslationRequest, text: str) -> str:
        assert self.http is not None
        body: dict[str, Any] = {
            "source": langs.papago(request.source),
            "target": langs.papago(request.target),
            "text": text,
        }
        if self._honorific():
            body["honorific"] = True
        async with self._slots:
            data = await self.http.post_json(f"{self.base_url}/nmt/v1/translation", json_body=body)
        message = data.get("message") if isinstance(data, dict) else None
        result = message.get("result") if isinstance(message, dict) else None
        got = result.get("translatedText") if isinstance(result, dict) else None
        if not isinstance(got, str):
            raise shape_error(self.service, "no 'message.result.translatedText'")
        return got

    async def _translate_texts(
        self, request: TranslationRequest, texts: list[str], hints: list[int]
    ) -> list[str]:
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._one(request, t)) for t in texts]
        except* ItpError as failed:
            # The first failure is the story; the siblings were cancelled because of it.
            raise failed.exceptions[0] from None
        return [t.result() for t in tasks]


def build(ctx: BackendContext) -> PapagoTranslator:
    return PapagoTranslator(ctx)
