"""Turning what went wrong in a student's code into feedback they can act on."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Hint:
    pattern: str  # regular expression searched in "Type: message"
    advice: str

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text, flags=re.IGNORECASE | re.DOTALL) is not None


GENERAL_HINTS = (
    Hint(
        r"^SyntaxError|^IndentationError",
        "Check the cell for a typo, a missing colon or bracket, or mixed indentation.",
    ),
    Hint(
        r"^NameError: name '(\w+)' is not defined",
        "A name is used before any cell defines it; run the cells in order and check its spelling.",
    ),
    Hint(
        r"TimeLimitExceeded",
        "Look for a loop that never ends, or far more iterations than the lab asks for.",
    ),
)


def error_text(error: dict | None) -> str:
    if not error:
        return ""
    return f"{error.get('type', 'Error')}: {error.get('message', '')}".strip()


def explain_error(error: dict | None, hints: tuple[Hint, ...] = ()) -> str:
    """'ValueError: … (code cell 4, line 3, in my_function). Hint: …' for a student."""
    if not error:
        return ""
    text = error_text(error)
    where = error.get("where")
    sentence = f"{text} ({where})" if where else text
    for hint in (*hints, *GENERAL_HINTS):
        if hint.matches(text):
            return f"{sentence}. Hint: {hint.advice}"
    return sentence
