"""The result model: one-to-one with Gradescope's results.json schema."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


@dataclass
class TestResult:
    __test__ = False  # a result record, not a pytest test class
    name: str
    score: float
    max_score: float
    status: str  # "passed" | "failed"
    output: str = ""
    visibility: str = "visible"
    tags: list[str] = field(default_factory=list)
    number: str | None = None
    extra_data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        data = asdict(self)
        if self.number is None:
            del data["number"]
        return data


@dataclass
class SubmissionResult:
    score: float
    tests: list[TestResult]
    output: str = ""
    execution_time: float = 0.0
    visibility: str = "visible"
    stdout_visibility: str = "hidden"
    extra_data: dict = field(default_factory=dict)

    @property
    def max_score(self) -> float:
        return sum(test.max_score for test in self.tests)

    def part_scores(self) -> dict[str, tuple[float, float]]:
        """(score, max score) per part, from the tests' tags."""
        parts: dict[str, tuple[float, float]] = {}
        for test in self.tests:
            for tag in test.tags:
                score, best = parts.get(tag, (0.0, 0.0))
                parts[tag] = (score + test.score, best + test.max_score)
        return parts

    def refused_defences(self) -> list[tuple[str, str]]:
        """(defence, why) for each defence of the sandbox the kernel refused this run."""
        return [(str(defence), str(outcome))
                for defence, outcome in (self.extra_data.get("sandbox") or {}).items()
                if str(outcome).startswith("NOT APPLIED")]  # fmt: skip

    def to_json(self) -> dict:
        return {
            "score": round(self.score, 4),
            "execution_time": round(self.execution_time, 2),
            "output": self.output,
            "visibility": self.visibility,
            "stdout_visibility": self.stdout_visibility,
            "extra_data": self.extra_data,
            "tests": [test.to_json() for test in self.tests],
        }

    @classmethod
    def from_json(cls, data: dict) -> "SubmissionResult":
        tests = [TestResult(**test) for test in data["tests"]]
        return cls(
            score=data["score"],
            tests=tests,
            output=data.get("output", ""),
            execution_time=data.get("execution_time", 0.0),
            visibility=data.get("visibility", "visible"),
            stdout_visibility=data.get("stdout_visibility", "hidden"),
            extra_data=data.get("extra_data", {}),
        )

    def write(self, path: Path) -> None:
        """Whole or not at all: a full disk never leaves half a file in place of a result."""
        partial = path.with_name(f".{path.name}.partial")
        try:
            partial.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
