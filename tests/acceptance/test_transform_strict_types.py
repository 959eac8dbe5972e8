"""Pending (core bug, not committed): lines with JSON values of the wrong type are
accepted by lax coercion instead of being reported as `line N: <field>: ...`.

Run: cp /work/pending/test_transform_strict_types.py /work/main/tests/acceptance/ && \
     .venv/bin/pytest -q tests/acceptance/test_transform_strict_types.py
"""

from __future__ import annotations

import re

import pytest
from test_transform_cli import player, reference, transform, viewing

WRONG_TYPES = {
    "boolean position": (player("s1", 90, "pause", 5, True), "position"),
    "numeric string position": (player("s1", 90, "pause", 5, "12.5"), "position"),
    "string seq": (player("s1", "90", "pause", 5, 1.0), "seq"),
    "string boolean": (player("s1", 90, "fullscreen", 5, 1.0, on="yes"), "on"),
    "number as boolean": (player("s1", 90, "fullscreen", 5, 1.0, on=0), "on"),
}


@pytest.mark.parametrize("kind", list(WRONG_TYPES))
def test_a_value_of_the_wrong_json_type_is_a_bad_line(tmp_path, kind):
    bad, field = WRONG_TYPES[kind]
    good = viewing()
    result = transform(tmp_path, [*good[:5], bad, *good[5:]])
    assert result.returncode == 1, result.stderr
    assert re.fullmatch(rf"line 6: {field}: .*", result.stderr.decode().strip())
    assert result.stdout == reference(good)
