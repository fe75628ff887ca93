"""Gradescope: one results.json per submission, the grader's own result with the late
policy applied (score and a line of feedback) and the chosen visibility."""

import json
from pathlib import Path

from autograder.exports import ExportOptions
from autograder.standing import Standing

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def write(standing: Standing, folder: Path, options: ExportOptions, visibility: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for entry in standing.entries:
        if entry.submission is None:
            continue
        result = json.loads(entry.submission["result_json"])
        result["visibility"] = visibility
        if entry.lateness and entry.lateness.days:
            result["score"] = entry.final
            result["output"] = f"{entry.reason}\n\n{result.get('output', '')}"
            result.setdefault("extra_data", {})["late"] = {
                "raw": entry.raw,
                "penalty": entry.penalty,
                "final": entry.final,
                "days": entry.lateness.days,
            }
        name = entry.submission["name"]
        (folder / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
