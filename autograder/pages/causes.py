"""Why a check failed, said the same way for every student who failed it for that reason.

A failed check's message quotes the student's own hidden inputs and values (`from w =
-11.756`, `x=[2.08, -20.75, 22.32]`), so no two students share its text. Its cause does not
depend on them. In order:

1. the hint that matched the student's error (the lab's advice for a known mistake);
2. the kind of error the student's code raised (`raised TypeError`);
3. a time limit;
4. the message itself with every number, list of numbers and quoted value masked, so
   "w was 0.2; expected 0.1" and "w was -3.1; expected 7" are one cause.
"""

import re
from dataclasses import dataclass

_HINT = re.compile(r"\bHint: (.+?)(?:\n|$)")
_RAISED = re.compile(r"\braised ([A-Za-z_][\w.]*)")
_TIME_LIMIT = re.compile(r"time limit|timed out|did not finish within", re.IGNORECASE)
# A quote opens where no letter comes before it: the apostrophe of "notebook's" opens none
_QUOTED = re.compile(r"(?<!\w)(?:'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`)")
# A number stands alone: the 2 of Conv2D is part of a name
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?%?(?![\w])")
_NUMBERS = re.compile(r"#(?:\s*[,×x]\s*#)+")  # a list or a shape of masked numbers
_BRACKETED = re.compile(r"[\[(]\s*#…\s*[\])]")
MAX_CAUSE = 160
MISSING = "nothing: the notebook does not define the function"


@dataclass(frozen=True)
class Cause:
    kind: str  # "hint", "error", "time limit" or "message"
    text: str  # what every failure of this cause has in common, for the instructor

    def label(self) -> str:
        return {
            "hint": f"hint: {self.text}",
            "error": self.text if self.text == MISSING else f"the code raised {self.text}",
            "time limit": "a time limit",
        }.get(self.kind, self.text)


def cause_of(output: str) -> Cause:
    """The cause of a failed check, from its output."""
    text = output or ""
    if match := _HINT.search(text):
        return Cause("hint", match.group(1).strip().rstrip("."))
    if match := _RAISED.search(text):
        kind = match.group(1).rsplit(".", 1)[-1]
        return Cause("error", MISSING if kind == "StudentCodeMissing" else kind)
    if _TIME_LIMIT.search(text):
        return Cause("time limit", "a time limit")
    return Cause("message", masked(first_line(text)))


def first_line(text: str) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0].strip() if lines else "(no output)"


def masked(line: str) -> str:
    """The line with its numbers, lists of numbers and quoted values replaced by # and …"""
    line = _QUOTED.sub("…", line)
    line = _NUMBER.sub("#", line)
    line = _NUMBERS.sub("#…", line)
    line = _BRACKETED.sub("[#…]", line)
    line = re.sub(r"\s+", " ", line).strip()
    return line if len(line) <= MAX_CAUSE else line[: MAX_CAUSE - 1] + "…"
