"""docs/rules.md names real code and real tests (so it stays true as the code moves)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITED = re.compile(r"`((?:officepass|tests)/[\w/]+\.py)(?:::(\w+))?`")


def defined_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def test_every_function_and_test_that_docs_rules_names_exists():
    text = (ROOT / "docs" / "rules.md").read_text("utf-8")
    cited = CITED.findall(text)
    assert len(cited) > 40
    missing = [
        f"{path}::{name}" if name else path
        for path, name in cited
        if not (ROOT / path).exists() or (name and name not in defined_names(ROOT / path))
    ]
    assert missing == []


def test_docs_rules_covers_the_fourteen_rules():
    text = (ROOT / "docs" / "rules.md").read_text("utf-8")
    rows = re.findall(r"^\| (\d+) \|", text, re.M)
    assert [int(n) for n in rows] == list(range(1, 15))


def test_the_readme_layout_lists_exactly_the_apps_in_the_tree():
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("## Layout", 1)[1].split("```")[1]
    listed = set(re.findall(r"^  (\w+)/", block, re.M))
    present = {p.name for p in (ROOT / "officepass").iterdir() if p.is_dir() and p.name[0] != "_"}
    assert listed == present
    top = set(re.findall(r"^(\w+)/", block, re.M))
    assert top <= {p.name for p in ROOT.iterdir() if p.is_dir()}
