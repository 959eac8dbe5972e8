"""docs/statements.md is generated from the code: it must match what the code builds now,
and every example in it must be a valid statement."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_statements_doc.py"


@cache
def _generator() -> ModuleType:
    """The script, imported by path: scripts/ is not a package."""
    spec = importlib.util.spec_from_file_location("gen_statements_doc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def test_statements_doc_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "statements.md").read_text(encoding="utf-8")
    regenerated = _generator().render()
    assert committed == regenerated, (
        "docs/statements.md is out of date: run .venv/bin/python scripts/gen_statements_doc.py"
    )


def test_generation_is_deterministic() -> None:
    generator = _generator()
    assert generator.render() == generator.render()


def test_every_documented_example_is_a_valid_statement(xapi_validator) -> None:
    found = _generator().examples()
    assert len(found) == len({example.title for example, _, _ in found})
    xapi_validator.check([statement for _, _, statement in found])


def test_each_example_shows_the_verb_its_title_names() -> None:
    for example, _, statement in _generator().examples():
        verb = statement["verb"]["display"]["en-US"]
        assert f"`{verb}`" in example.title, (example.title, verb)
