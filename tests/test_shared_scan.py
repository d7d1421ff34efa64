"""Files a statement reads with runs of rows: a file whose own scan would
skip little is read in one scan shared with the others, every row still
cut to its own file's runs; a file whose runs reach few of its row groups
keeps a scan of its own."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from queries import sql
from queries.warehouse.engine import TableRef, Warehouse
from queries.warehouse.shared_scan import SCAN_COST_BYTES, SharedScans, skipped_bytes

GROUP_ROWS = 8_192


@pytest.mark.parametrize("runs, skipped", [
    (((12, 13),), 150),
    (((0, 24),), 0),
    (((9, 10),), 50),
    (((24, 24), (0, 0)), 100),
    (((30, 40),), 250),
])
def test_a_scan_of_its_own_skips_the_row_groups_no_run_reaches(runs, skipped):
    assert skipped_bytes(((10, 100), (10, 100), (5, 50)), runs) == skipped


@pytest.fixture()
def lake(tmp_path):
    folder = tmp_path / "lake.db" / "copies"
    folder.mkdir(parents=True)
    small = []
    for number in range(3):
        small.append(str(folder / f"small-{number}.parquet"))
        pq.write_table(pa.table({"v": [f"{number}:{row}" for row in range(5_000)]}), small[-1])
    large = []
    for number in range(2):
        large.append(str(folder / f"large-{number}.parquet"))
        pq.write_table(pa.table({"v": [os.urandom(16).hex() for _ in range(20 * GROUP_ROWS)]}), large[-1],
                       row_group_size=GROUP_ROWS)
        assert os.path.getsize(large[-1]) > 2 * SCAN_COST_BYTES
    return Warehouse(tmp_path), small, large


def _read(warehouse: Warehouse, files: list[str], runs: dict) -> tuple[list[tuple], int]:
    rows = warehouse.rows([(TableRef("lake", "copies"), files)], runs=runs)
    numbered = warehouse.query(sql.Fragment(f"SELECT file_index, file_row_number FROM {rows.numbered.text} "
                                            "ORDER BY ALL", rows.numbered.params), relations=rows.relations)
    [(_, plan)] = warehouse.query(sql.Fragment(f"EXPLAIN SELECT * FROM {rows.plain.text}", rows.plain.params),
                                  relations=rows.relations)
    return numbered, plan.count("READ_PARQUET")


def test_small_files_and_files_read_whole_anyway_share_one_scan_cut_to_their_runs(lake):
    """Small files, whatever their runs, and a large file whose runs reach
    every row group are read by one scan; a large file whose runs reach
    one row group and a file without runs are read alone. No row outside
    its own file's runs comes back, and each keeps its file's position."""
    warehouse, small, large = lake
    everywhere = tuple((group * GROUP_ROWS + 5, group * GROUP_ROWS + 5) for group in range(20))
    files = [small[0], large[0], small[1], large[1], small[2]]
    numbered, scans = _read(warehouse, files, {small[0]: ((3, 4), (4_000, 4_500)), large[0]: ((7, 7),),
                                               small[1]: ((0, 0),), large[1]: everywhere})
    assert numbered == sorted([(0, 3), (0, 4), *[(0, row) for row in range(4_000, 4_501)], (1, 7), (2, 0),
                               *[(3, first) for first, _ in everywhere], *[(4, row) for row in range(5_000)]])
    assert scans == 3  # the shared scan (small 0 and 1, large 1), large 0 alone, small 2 (no runs) alone


def test_a_lone_file_that_could_share_is_read_alone(lake):
    warehouse, small, large = lake
    numbered, scans = _read(warehouse, [small[0], large[0]], {small[0]: ((3, 4),), large[0]: ((7, 7),)})
    assert (numbered, scans) == ([(0, 3), (0, 4), (1, 7)], 2)


def test_a_file_gone_since_the_index_named_it_is_read_alone_and_reported(lake):
    warehouse, small, _ = lake
    os.remove(small[2])
    scans = SharedScans(lambda files: pytest.fail("no row groups are needed for small files"))
    assert scans.shared(small, [((0, 0),), ((1, 1),), ((2, 2),)]) == [0, 1]


def test_row_groups_are_looked_up_once_per_version_of_a_file(lake):
    """A file rewritten in place (an erasure does) is looked up again: its
    row groups changed with it."""
    warehouse, _, large = lake
    asked = []

    def row_groups(files):
        asked.append(list(files))
        return {file: ((20 * GROUP_ROWS, os.path.getsize(file)),) for file in files}

    scans = SharedScans(row_groups)
    runs = [((0, 0),), ((0, 0),)]
    assert scans.shared(large, runs) == [0, 1]
    assert scans.shared(large, runs) == [0, 1]
    assert asked == [large]
    pq.write_table(pa.table({"v": [os.urandom(16).hex() for _ in range(21 * GROUP_ROWS)]}), large[1],
                   row_group_size=GROUP_ROWS)
    scans.shared(large, runs)
    assert asked == [large, [large[1]]]


def test_a_footer_that_cannot_be_read_leaves_the_files_looked_up_with_it_to_scans_of_their_own(lake):
    """The lookup fails as a whole; the files it asked about are read alone,
    and the broken one's own scan then reports it."""
    warehouse, small, large = lake
    with open(large[0], "r+b") as broken:
        broken.seek(-12, os.SEEK_END)
        broken.write(b"\0" * 12)
    everywhere = tuple((group * GROUP_ROWS, group * GROUP_ROWS) for group in range(20))
    assert warehouse._shared_scans.shared([small[0], small[1], large[0], large[1]],
                                          [((0, 0),), ((0, 0),), everywhere, everywhere]) == [0, 1]
