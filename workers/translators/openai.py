"""`openai`: any OpenAI-compatible chat completions endpoint (OpenAI, Ollama, llama.cpp,
vLLM, LM Studio, DeepSeek...). The quality option: one request per page with all texts in
reading order, the previous pages of the same job as context, and the glossary's terms.

`POST {url}/chat/completions` with `response_format: {"type": "json_object"}`; the reply's
content must parse as `{"translations": [...]}` of the same length as the texts. Trivially
broken JSON is repaired (`llm_json`); an unusable or wrong-length reply is asked again (up to
two more times, within `retries`) with a note saying what was wrong, then fails with
`TranslatorFailed`. Defaults: url https://api.openai.com/v1, model gpt-4o-mini. A local server
needs no key: `--translator-url http://localhost:11434/v1 --translator-model qwen2.5:7b`.
Options (extra): `temperature` (default 0.2), `context_pages` (default 2), `tpm`, `rps`.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from workers.errors import ItpError, TranslatorFailed, TranslatorNotConfigured
from workers.translators import langs
from workers.translators.base import TranslationRequest
from workers.translators.common import ApiTranslator, BackendContext, option_float, shape_error
from workers.translators.http_client import error_detail
from workers.translators.llm_json import BadReply, parse_translations
from workers.translators.openai_prompt import estimate_tokens, messages, user_payload
from workers.translators.page_context import PageMemory

log = logging.getLogger("itp.translators.openai")

DEFAULT_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
AUTH_HINT = (
    "set OPENAI_API_KEY (ITP_API_KEY for other OpenAI-compatible servers) or api_key in "
    "config.toml"
)
MAX_REPLY_RETRIES = 2


class OpenAITranslator(ApiTranslator):
    name = "openai"
    service = "OpenAI-compatible API"
    default_url = DEFAULT_URL

    def __init__(self, ctx: BackendContext) -> None:
        s = ctx.settings
        if (s.url or DEFAULT_URL).rstrip("/") == DEFAULT_URL:
            self.service = "OpenAI"
        super().__init__(ctx)
        self.model = s.model or DEFAULT_MODEL
        if self.base_url == DEFAULT_URL and not s.api_key:
            raise TranslatorNotConfigured(
                f"openai needs an API key for api.openai.com: {AUTH_HINT}; for a local "
                "server set --translator-url / ITP_TRANSLATOR_URL "
                "(e.g. http://localhost:11434/v1 for Ollama)"
            )
        self.temperature = option_float(s, "temperature", 0.2)
        self.memory = PageMemory(pages=int(option_float(s, "context_pages", 2)))
        headers = {"Authorization": f"Bearer {s.api_key}"} if s.api_key else {}
        self.make_http(auth_hint=AUTH_HINT, classify=self._classify, headers=headers)

    def _classify(self, response: httpx.Response) -> ItpError | None:
        status = response.status_code
        if status == 429 and "insufficient_quota" in response.text:
            return TranslatorFailed(
                f"{self.service}: quota exceeded for this key (check the account's billing)",
                retryable=False,
            )
        if status == 404:
            return TranslatorNotConfigured(
                f"{self.service} at {self.base_url} has no model {self.model!r} or no "
                "/chat/completions (HTTP 404): check --translator-model / ITP_TRANSLATOR_MODEL "
                "and that --translator-url ends in /v1"
            )
        detail = error_detail(response).lower() if status == 400 else ""
        if "model" in detail and ("not found" in detail or "does not exist" in detail):
            return TranslatorNotConfigured(
                f"{self.service} refused model {self.model!r}: {error_detail(response)}; "
                "check --translator-model / ITP_TRANSLATOR_MODEL"
            )
        return None

    def variant(self) -> str:
        return self.model

    def _page_done(self, request: TranslationRequest, translations: list[str]) -> None:
        self.memory.remember(
            request.job_id, request.page_index, [t.strip() for t in request.texts], translations
        )

    async def _complete(self, payload: str, hints: list[int]) -> str | None:
        assert self.http is not None
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages(payload),
            "response_format": {"type": "json_object"},
            "temperature": self.temperature,
        }
        data = await self.http.post_json(
            f"{self.base_url}/chat/completions",
            json_body=body,
            tokens=estimate_tokens(payload, hints),
        )
        choices = data.get("choices") if isinstance(data, dict) else None
        first = choices[0] if isinstance(choices, list) and choices else None
        message = first.get("message") if isinstance(first, dict) else None
        if not isinstance(message, dict):
            raise shape_error(self.service, "no choices[0].message")
        content = message.get("content")
        return content if isinstance(content, str) else None

    async def _translate_texts(
        self, request: TranslationRequest, texts: list[str], hints: list[int]
    ) -> list[str]:
        previous = self.memory.previous(request.job_id, request.page_index)
        glossary = self.glossary.relevant(texts)
        attempts = 1 + min(MAX_REPLY_RETRIES, max(0, self.settings.retries))
        note = ""
        problem = ""
        for attempt in range(attempts):
            payload = user_payload(
                source=langs.normalize(request.source),
                target=langs.normalize(request.target),
                texts=texts,
                hints=hints,
                glossary=glossary,
                previous=previous,
                context=request.context,
                note=note,
            )
            content = await self._complete(payload, hints)
            try:
                return parse_translations(content, len(texts))
            except BadReply as e:
                problem = str(e)
            log.warning(
                "translator=openai job=%s page=%d attempt=%d/%d outcome=%r",
                request.job_id,
                request.page_index,
                attempt + 1,
                attempts,
                problem,
            )
            note = (
                f"Your previous reply was unusable ({problem}). Reply with only "
                f'{{"translations": [...]}} holding exactly {len(texts)} strings.'
            )
        raise TranslatorFailed(
            f"{self.service} model {self.model!r} gave no usable translation after "
            f"{attempts} attempt(s): {problem}. A larger or instruction-tuned model follows "
            "the JSON format more reliably (--translator-model)"
        )


def build(ctx: BackendContext) -> OpenAITranslator:
    return OpenAITranslator(ctx)
