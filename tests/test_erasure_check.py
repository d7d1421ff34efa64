"""The searches verification relies on, over real Parquet files: what they
must find wherever a trace hides, and the near misses they must not report
(a failed verification stops the receipt)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from queries.erasure import check as erasure_check
from queries.erasure.check import _decoded_contains, contains, parquet_text_columns

EMPLOYEE_ID, EMAIL = "E04711", "jorg.muller@example.com"
IDENTIFIERS = [EMPLOYEE_ID, EMAIL]


def decoded(path, identifiers, values) -> bool:
    return _decoded_contains(parquet_text_columns(pa.OSFile(str(path)))[0], identifiers, values)


def parquet(tmp_path, columns: dict, compression="zstd", name="part-0.parquet"):
    path = tmp_path / name
    pq.write_table(pa.table(columns), path, compression=compression)
    return path


@pytest.mark.parametrize("columns", [
    {"note": ["nothing", f"reviewed by {EMPLOYEE_ID}"]},
    {"note": ["nothing", "Contact: JORG.MULLER@EXAMPLE.COM"]},
    {"payload": ['{"a": 1}', '{"meta": {"who": "jorg.muller@example.com"}}']},
    {"to": [["a@example.com"], ["b@example.com", EMAIL]]},
    {"nested": [[["x"]], [["y", EMPLOYEE_ID]]]},
    {"who": pa.array([{"id": "E00001", "mail": "a@example.com"}, {"id": EMPLOYEE_ID, "mail": "b@example.com"}])},
    {"tags": pa.array([[("k", "v")], [("owner", EMAIL)]], pa.map_(pa.string(), pa.string()))},
    {"app": pa.array(["mail", "chat", EMPLOYEE_ID] * 1000).dictionary_encode()},
], ids=["scalar", "upper case", "inside json", "list", "list of lists", "struct", "map", "dictionary"])
def test_an_identifier_is_found_wherever_its_value_hides(tmp_path, columns):
    assert decoded(parquet(tmp_path, columns), IDENTIFIERS, [])


def test_values_that_only_meet_at_a_seam_are_not_a_trace(tmp_path):
    """The columns' bytes are searched as one block first; a hit made of the
    end of one value and the start of the next must be ruled out."""
    path = parquet(tmp_path, {"code": ["E04", "711", "jorg.muller@", "example.com"]})
    assert not decoded(path, IDENTIFIERS, [])


def test_a_distinctive_value_counts_only_as_a_whole_value(tmp_path):
    marker = "zz-distinctive-value-0001"
    assert decoded(parquet(tmp_path, {"t": ["a", marker]}), IDENTIFIERS, [marker])
    assert not decoded(parquet(tmp_path, {"t": ["a", f"prefix {marker}"]}, name="b.parquet"),
                                 IDENTIFIERS, [marker])


def test_an_identifier_beyond_ascii_is_found_in_any_case(tmp_path):
    """Arrow folds case in bytes only for ASCII; such identifiers skip the block search."""
    path = parquet(tmp_path, {"note": ["x", "mail JÖRG.MÜLLER@EXAMPLE.COM"]})
    assert decoded(path, [EMPLOYEE_ID, "jörg.müller@example.com"], [])


def test_a_file_without_text_has_nothing_to_decode(tmp_path):
    assert not decoded(parquet(tmp_path, {"n": [1, 2, 3]}), IDENTIFIERS, [])


@pytest.mark.parametrize("needle", [EMPLOYEE_ID, EMAIL, "naïve-value-ünïcode"])
def test_raw_bytes_are_searched_across_block_seams(tmp_path, monkeypatch, needle):
    monkeypatch.setattr(erasure_check, "CHUNK", 64)
    data = b"x" * 61 + needle.encode() + b"y" * 200
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert contains(pa.OSFile(str(path)), path.name, [needle, "never-there"])
    path.write_bytes(data.replace(needle.encode(), b"-" * len(needle.encode())))
    assert not contains(pa.OSFile(str(path)), path.name, [needle, "never-there"])

