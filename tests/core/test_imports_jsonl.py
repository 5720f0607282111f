"""JSON Lines read as rows by the generic import machinery (core.imports)."""

import codecs
import json

import pytest

from enishi.core import imports


def _file(tmp_path, text: str, name="data.jsonl", bom=False):
    path = tmp_path / name
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    return path


def test_keys_are_headers_in_first_appearance_order_and_lines_keep_their_numbers(tmp_path):
    path = _file(tmp_path, "\n".join([
        json.dumps({"a": 1, "b": True}),
        "",
        json.dumps({"b": False, "c": None, "d": {"x": "伊賀"}}),
        "oops",
    ]) + "\n", bom=True)  # fmt: skip
    info = imports.inspect_file(path)
    assert info.format == "jsonl"
    found = list(imports.rows(path, info))
    assert found[0] == (0, ["a", "b", "c", "d"])
    assert found[1] == (1, ["1", "true", "", ""])
    assert found[2] == (3, ["", "false", "", '{"x": "伊賀"}'])
    line, bad = found[3]
    assert line == 4 and isinstance(bad, imports.BadLine)
    assert imports.estimate_rows(path, info) == 4
    headers, preview = imports.read_head(path, info)
    assert headers == ["a", "b", "c", "d"] and len(preview) == 2


def test_a_file_starting_with_a_brace_is_json_lines_whatever_its_name(tmp_path):
    path = _file(tmp_path, '{"a": 1}\n', name="export.txt")
    assert imports.inspect_file(path).format == "jsonl"


def test_a_file_with_no_object_is_refused_whole(tmp_path):
    path = _file(tmp_path, "[1]\n[2]\n")
    with pytest.raises(imports.ImportFileError, match="JSON のオブジェクトが一行もありません"):
        imports.read_head(path, imports.inspect_file(path))
