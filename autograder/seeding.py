"""Per-submission seeds for hidden inputs.

Derived from the submission's code, so grading the same code twice draws the same hidden
inputs, while any change to the code draws new ones: inputs seen in one submission's
feedback can't be replayed into another. An instructor secret, when set, makes the seed
impossible to predict from the public source of the grader.
"""

import hashlib
import os

SECRET_VARIABLE = "AUTOGRADER_SECRET"


def submission_seed(code_sources: list[str], lab: str, secret: str | None = None) -> int:
    secret = os.environ.get(SECRET_VARIABLE, "") if secret is None else secret
    digest = hashlib.sha256()
    for part in (secret, lab, *code_sources):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return int.from_bytes(digest.digest()[:8], "big")
