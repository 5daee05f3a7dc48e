"""A minimal Language Server Protocol client (JSON-RPC over stdio) for driving a real
yaml-language-server the way an editor does: initialize, open a document, read the diagnostics
it pushes, ask for hover and completion.

Why not a library: the exchange the tests need is a dozen messages; the framing is two headers.
The reader runs in a thread so a server that stops answering fails the test at a deadline
instead of hanging it.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

Message = dict[str, Any]

TIMEOUT = 60.0
"""Seconds to wait for one answer: generous for a cold node start on a busy 2-core machine."""


class LspError(AssertionError):
    """The server did not answer as an editor expects (a test failure, not an error)."""


class LspClient:
    def __init__(self, command: list[str], root: Path, settings: dict[str, Any]) -> None:
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._settings = settings
        self._next_id = 0
        self._answers: dict[int, Message] = {}
        self._notifications: queue.Queue[Message] = queue.Queue()
        self._answered = threading.Condition()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": {
                    "workspace": {"configuration": True, "didChangeConfiguration": {}},
                    "textDocument": {
                        "publishDiagnostics": {"relatedInformation": True},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "completion": {
                            "completionItem": {
                                "snippetSupport": True,
                                "documentationFormat": ["markdown", "plaintext"],
                            }
                        },
                    },
                },
            },
        )
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": settings})

    # --- framing -------------------------------------------------------------------------

    def _send(self, message: Message) -> None:
        body = json.dumps(message).encode("utf-8")
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def _read_message(self) -> Message | None:
        stdout = self._process.stdout
        assert stdout is not None
        length = None
        while True:
            line = stdout.readline()
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise LspError("a message without Content-Length")
        body: Message = json.loads(stdout.read(length))
        return body

    def _read_loop(self) -> None:
        while True:
            message = self._read_message()
            if message is None:
                with self._answered:
                    self._answered.notify_all()
                return
            if "id" in message and "method" in message:
                self._answer_server_request(message)
            elif "id" in message:
                with self._answered:
                    self._answers[int(message["id"])] = message
                    self._answered.notify_all()
            else:
                self._notifications.put(message)

    def _answer_server_request(self, message: Message) -> None:
        """What an editor answers: settings for workspace/configuration, null otherwise."""
        result: Any = None
        if message["method"] == "workspace/configuration":
            result = [
                self._settings.get(item.get("section", ""), None)
                for item in message["params"]["items"]
            ]
        self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    # --- requests ------------------------------------------------------------------------

    def request(self, method: str, params: Message) -> Any:
        self._next_id += 1
        number = self._next_id
        self._send({"jsonrpc": "2.0", "id": number, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        with self._answered:
            while number not in self._answers:
                left = deadline - time.monotonic()
                if left <= 0 or self._process.poll() is not None:
                    raise LspError(f"{method}: no answer ({self.stderr_tail()})")
                self._answered.wait(left)
            answer = self._answers.pop(number)
        if "error" in answer:
            raise LspError(f"{method}: {answer['error']}")
        return answer.get("result")

    def notify(self, method: str, params: Message) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def open(self, path: Path, text: str) -> str:
        uri = path.as_uri()
        document = {"uri": uri, "languageId": "yaml", "version": 1, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})
        return uri

    def diagnostics(self, uri: str, settle: float = 1.0) -> list[Message]:
        """The last diagnostics pushed for ``uri`` once the server stops sending more.

        The server may publish more than once (syntax first, then the schema once loaded);
        the answer is the last list before ``settle`` seconds of quiet.
        """
        deadline = time.monotonic() + TIMEOUT
        latest: list[Message] | None = None
        while time.monotonic() < deadline:
            wait = settle if latest is not None else deadline - time.monotonic()
            try:
                message = self._notifications.get(timeout=max(wait, 0.01))
            except queue.Empty:
                if latest is not None:
                    return latest
                continue
            if message.get("method") != "textDocument/publishDiagnostics":
                continue
            if message["params"]["uri"] == uri:
                latest = list(message["params"]["diagnostics"])
        raise LspError(f"no diagnostics for {uri} ({self.stderr_tail()})")

    def hover(self, uri: str, line: int, character: int) -> str:
        result = self.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )
        if not result:
            return ""
        contents = result["contents"]
        if isinstance(contents, dict):
            return str(contents.get("value", ""))
        if isinstance(contents, list):
            return "\n".join(c if isinstance(c, str) else str(c.get("value", "")) for c in contents)
        return str(contents)

    def completion(self, uri: str, line: int, character: int) -> list[Message]:
        result = self.request(
            "textDocument/completion",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )
        if isinstance(result, dict):
            return list(result.get("items", []))
        return list(result or [])

    def stderr_tail(self) -> str:
        if self._process.poll() is None:
            return "server still running"
        stderr = self._process.stderr
        text = stderr.read().decode(errors="replace") if stderr else ""
        return f"server exited {self._process.returncode}: {text[-2000:]}"

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                self.request("shutdown", {})
                self.notify("exit", {})
                self._process.wait(timeout=10)
            except (LspError, OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait(timeout=10)
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()
