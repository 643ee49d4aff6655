#!/usr/bin/env python3
"""House rules that ruff and mypy cannot say (zulip's tools/linter_lib is the model).

Each rule is a regular expression over the lines of some files. A line may be allowed with
a justified marker on it: `# lint-allow: <rule> — <why>` (the reason is required).
Run by `make lint`; exits 1 and prints `path:line: rule: message` for each breach.
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOW = re.compile(r"#\s*lint-allow:\s*(?P<rule>[\w-]+)\s*\S.{3,}")


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    files: tuple[str, ...]
    message: str


RULES = (
    Rule(
        "raw-query-in-view",
        re.compile(r"\b[A-Z]\w*\.objects\b"),
        (
            "officepass/web/views/*.py",
            "officepass/console/views*.py",
            "officepass/api/v1.py",
            "officepass/api/staff.py",
            "officepass/api/streams.py",
        ),
        "views read through selectors (access_* or <app>/selectors.py), not Model.objects",
    ),
    Rule(
        "fstring-audit-action",
        re.compile(r"\baction\s*=\s*f[\"']"),
        ("officepass/**/*.py",),
        "audit actions are AuditAction constants (core/actions.py), never f-strings",
    ),
    Rule(
        "literal-audit-action",
        re.compile(r"\baudit\(.*\baction\s*=\s*[\"']|^\s*action\s*=\s*[\"'][a-z_]+\.[a-z_]+[\"']"),
        ("officepass/**/*.py",),
        "audit actions are AuditAction constants (core/actions.py), not string literals",
    ),
    Rule(
        "outside-document",
        re.compile(r"\bARCHITECTURE\b|\bSPEC\b|\bSTYLE\.md|(?<!docs/)\bAPI\.md|\.\./shared/"),
        (
            "officepass/**/*.py",
            "officepass/**/*.html",
            "config/*.py",
            "tests/**/*.py",
            "benchmarks/**/*.py",
        ),
        "cite documents inside the repository (docs/architecture.md, docs/rules.md, docs/api.md)",
    ),
)


def allowed(line: str, rule: Rule) -> bool:
    match = ALLOW.search(line)
    return bool(match and match.group("rule") == rule.name)


def breaches(root: Path = ROOT) -> list[str]:
    found = []
    for rule in RULES:
        paths = sorted({p for pattern in rule.files for p in root.glob(pattern)})
        for path in paths:
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if rule.pattern.search(line) and not allowed(line, rule):
                    where = path.relative_to(root)
                    found.append(f"{where}:{number}: {rule.name}: {rule.message}")
    return found


def main() -> int:
    problems = breaches(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
