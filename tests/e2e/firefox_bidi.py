"""A small WebDriver BiDi client: Firefox's Remote Agent speaks it over a WebSocket.

Commands are JSON objects `{id, method, params}`; the answer carries the same id, events
(`{type: "event"}`) come in between and are set aside. Only what the tests use is here.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from typing import Any

from websockets.sync.client import connect


class BiDiError(RuntimeError):
    pass


class BiDi:
    def __init__(self, url: str) -> None:
        self._stack = contextlib.ExitStack()
        self._ws = self._stack.enter_context(connect(url, max_size=None, open_timeout=30))
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout_s: float = 120.0, **params: Any) -> dict[str, Any]:
        """The answer to one command; `params` are its parameters (names as BiDi spells them,
        hence `**{"moz:scope": ...}` for those that are not Python names)."""
        cmd_id = next(self._ids)
        self._ws.send(json.dumps({"id": cmd_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {method} in {timeout_s:g} s")
            msg = json.loads(self._ws.recv(timeout=left))
            if msg.get("type") == "event":
                self.events.append(msg)
            elif msg.get("id") == cmd_id:
                if msg.get("type") == "error":
                    raise BiDiError(f"{method}: {msg.get('error')}: {msg.get('message')}")
                return dict(msg["result"])

    def call_function(self, context: str, js: str, arg: Any, timeout_s: float = 120.0) -> Any:
        """`js(arg)` in the context, awaited; the result crosses as JSON."""
        wrapper = ("async (argJson) => { const out = await (" + js + ")(JSON.parse(argJson));"
                   " return out === undefined ? 'null' : JSON.stringify(out); }")
        reply = self.call("script.callFunction", timeout_s=timeout_s,
                          functionDeclaration=wrapper,
                          arguments=[{"type": "string", "value": json.dumps(arg)}],
                          target={"context": context}, awaitPromise=True)
        if reply["type"] == "exception":
            details = reply["exceptionDetails"]
            raise BiDiError(f"script failed: {details.get('text')}")
        return json.loads(reply["result"]["value"])

    def close(self) -> None:
        self._stack.close()
