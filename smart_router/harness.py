"""Remove agent-harness envelopes (``<system-reminder>…</system-reminder>``) from scored text.

Agent harnesses inject reminders, file listings and environment notes into user messages;
that text is not the person's ask. The defaults also cut Claude Code's local-command
envelopes (what ``/model`` and other slash commands leave in the next message). Complete blocks between a configured open and close
marker are cut, case-insensitively, in one pass: markers are found by a single regular
expression of literal alternatives, then paired left to right, so the work is linear in
the text length whatever it holds. An open marker without its close is kept as text.
Only the scored copy changes; the request sent upstream is never touched.
"""

from __future__ import annotations

from typing import Sequence

import regex

DEFAULT_ENVELOPES: tuple[tuple[str, str], ...] = tuple(
    (f"<{tag}>", f"</{tag}>")
    for tag in ("system-reminder", "local-command-caveat", "command-name", "command-message", "command-args",
                "local-command-stdout", "local-command-stderr")
)  # fmt: skip


class EnvelopeStripper:
    """Cuts complete ``open … close`` blocks for a fixed set of marker pairs."""

    def __init__(self, pairs: Sequence[tuple[str, str]] = DEFAULT_ENVELOPES):
        self._opens = {o.casefold(): i for i, (o, _) in enumerate(pairs)}
        self._closes = {c.casefold(): i for i, (_, c) in enumerate(pairs)}
        markers = sorted({m for pair in pairs for m in pair}, key=len, reverse=True)
        self._pattern = (
            regex.compile("|".join(regex.escape(m) for m in markers), regex.IGNORECASE) if markers else None
        )

    def strip(self, text: str) -> str:
        """``text`` without complete envelope blocks (unchanged when it holds none)."""
        if self._pattern is None or not text:
            return text
        kept: list[str] = []
        position = 0
        open_at, open_pair = -1, -1
        for match in self._pattern.finditer(text):
            marker = match.group().casefold()
            if open_pair < 0 and marker in self._opens:
                open_at, open_pair = match.start(), self._opens[marker]
            elif open_pair >= 0 and self._closes.get(marker) == open_pair:
                kept.append(text[position:open_at])
                position = match.end()
                open_at, open_pair = -1, -1
        if position == 0:
            return text
        kept.append(text[position:])
        return "".join(kept)
