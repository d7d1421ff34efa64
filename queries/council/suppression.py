"""Which figures of a release to withhold, audited against everything the
release shows, as statistical offices audit a suppression pattern
(τ-ARGUS, sdcTable): by linear programming.

Every figure of a release is a sum of *atoms*, the finest cells the
figures are made of (for accesses: the reads of one month by one accessor
group, for one purpose, of one table, with or without a justification).
Someone who reads the release knows, of the atoms: the sum of every
released figure; that each atom is a whole number, zero or more; and that
each withheld figure is at least 1 (a zero is always released, so a
withheld figure is never empty). For each withheld figure the audit
computes the smallest and largest value it can take under those facts
(two linear programs, solved by HiGHS). It is protected
when that interval is at least `required(value)` wide — k, or half the
value where that is more — so that nothing can pin it, or pin it below k.

A figure is withheld first when it describes 1 to k−1 people on either
side: the people it is about (subjects) or the people who read (readers).
Then, while some withheld figure is not protected, one more figure is
withheld for it: the smallest released figure beside it (one that shares
atoms with a released figure that shares atoms with it, but none with it
itself, as a second cell of the same row does), or, where there is none,
the smallest released figure containing part of it (a total). A figure
withheld late is audited as well as the first.

Atoms that are zero are left out of the programs: that only narrows the
intervals (it tells the programs more than a reader knows), so the audit
errs towards withholding.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


def _first_solver_without_banner() -> None:
    """HiGHS writes a banner to the process's standard output when its first
    solver is made, where `daylight … --json` writes its JSON: the first
    one is made here, with that output sent nowhere."""
    sys.stdout.flush()
    kept = os.dup(1)
    try:
        with open(os.devnull, "w") as nowhere:
            os.dup2(nowhere.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(kept, 1)
        os.close(kept)


_first_solver_without_banner()


@dataclass(frozen=True)
class Candidate:
    """A figure before release: its value, the atoms it sums, and how many
    people it describes on each side (readers 0 where nobody reads)."""

    key: tuple[str, ...]
    value: int
    atoms: frozenset[int]
    subjects: int
    readers: int = 0

    def sensitive(self, k: int) -> bool:
        return self.value > 0 and (0 < self.subjects < k or 0 < self.readers < k)


def required(value: int, k: int) -> int:
    """How wide a withheld figure's feasible interval must be."""
    return max(k, math.ceil(value / 2))


class _Known:
    """What a release makes known, as one HiGHS model: each released
    figure's sum, each withheld figure at least 1, atoms zero or more. Each
    bound is the same model solved again for another objective, which
    HiGHS starts from the last solution's basis."""

    def __init__(self, figures: Sequence[Candidate], withheld: set[int], atom_count: int):
        released = [f for i, f in enumerate(figures) if i not in withheld]
        hidden = [figures[i] for i in sorted(withheld)]
        self.bounded = {a for f in released for a in f.atoms}
        matrix = _rows([f.atoms for f in released + hidden], atom_count).tocsc()
        model = highspy.HighsLp()
        model.num_col_, model.num_row_ = atom_count, len(released) + len(hidden)
        model.col_cost_, model.col_lower_ = np.zeros(atom_count), np.zeros(atom_count)
        model.col_upper_ = np.full(atom_count, highspy.kHighsInf)
        model.row_lower_ = np.array([f.value for f in released] + [1] * len(hidden), dtype=float)
        model.row_upper_ = np.array([f.value for f in released] + [highspy.kHighsInf] * len(hidden), dtype=float)
        model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        model.a_matrix_.num_col_, model.a_matrix_.num_row_ = atom_count, model.num_row_
        model.a_matrix_.start_, model.a_matrix_.index_, model.a_matrix_.value_ = (
            matrix.indptr, matrix.indices, matrix.data)
        self.solver = highspy.Highs()
        self.solver.setOptionValue("output_flag", False)
        self.solver.passModel(model)

    def extreme(self, atoms: frozenset[int], sign: int) -> float:
        """The smallest (`sign` 1) or largest (−1) sum of `atoms`."""
        columns = np.array(sorted(atoms), dtype=np.int32)
        self.solver.changeColsCost(len(columns), columns, np.full(len(columns), float(sign)))
        self.solver.run()
        status = self.solver.getModelStatus()
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            value = math.inf
        elif status == highspy.HighsModelStatus.kOptimal:
            value = sign * self.solver.getInfo().objective_function_value
        else:  # the solver could not tell: the caller counts the figure as pinned, and withholds more
            value = math.nan
        self.solver.changeColsCost(len(columns), columns, np.zeros(len(columns)))
        return value


def intervals(figures: Sequence[Candidate], withheld: set[int], atom_count: int,
              audited: set[int]) -> dict[int, tuple[float, float]]:
    """The smallest and largest value each of the `audited` withheld figures
    can take, given every released figure's value, atoms of zero or more,
    and every withheld figure at least 1."""
    known = _Known(figures, withheld, atom_count)
    found = {}
    for index in sorted(audited):
        atoms = figures[index].atoms
        if atoms - known.bounded:
            found[index] = (1.0, math.inf)  # an atom no released figure bounds: as large as anyone likes
            continue
        low, high = known.extreme(atoms, 1), known.extreme(atoms, -1)
        if math.isnan(low) or math.isnan(high):
            found[index] = (0.0, 0.0)
        else:
            found[index] = (math.ceil(low - 1e-6), math.floor(high + 1e-6) if high != math.inf else math.inf)
    return found


def _rows(atom_sets: list[frozenset[int]], atom_count: int) -> csr_matrix:
    from scipy.sparse import csr_matrix  # here, not at the top: every `daylight` command would load scipy

    cells = [(row, atom) for row, atoms in enumerate(atom_sets) for atom in atoms]
    return csr_matrix((np.ones(len(cells)), ([r for r, _ in cells], [a for _, a in cells])),
                      shape=(len(atom_sets), atom_count))


def unprotected(figures: Sequence[Candidate], withheld: set[int], atom_count: int, k: int,
                audited: set[int]) -> list[int]:
    return [i for i, (low, high) in intervals(figures, withheld, atom_count, audited).items()
            if high - low < required(figures[i].value, k)]


def suppress(figures: Sequence[Candidate], k: int) -> set[int]:
    """The indices of the figures to withhold. Withholding a figure only
    loosens what is known (its sum is no longer known, only that it is at
    least 1), so a figure found protected stays protected: each pass audits
    the figures found weak and those just withheld."""
    atom_count = 1 + max((a for f in figures for a in f.atoms), default=-1)
    withheld = {i for i, f in enumerate(figures) if f.sensitive(k)}
    audit = set(withheld)
    while audit and (weak := unprotected(figures, withheld, atom_count, k, audit)):
        added = {j for i in weak if (j := _complement(figures, withheld, i)) is not None}
        if not added:
            added = {j for i in weak for j, f in enumerate(figures)
                     if j not in withheld and f.value and f.atoms & figures[i].atoms}
            if not added:
                break  # nothing released says anything about them any more
        withheld |= added
        audit = set(weak) | added
    return withheld


def _complement(figures: Sequence[Candidate], withheld: set[int], index: int) -> int | None:
    atoms = figures[index].atoms
    open_ = [(j, f) for j, f in enumerate(figures) if j not in withheld and f.value > 0]
    parents = [(j, f) for j, f in open_ if f.atoms & atoms]
    around = set().union(*(f.atoms for _, f in parents)) if parents else set()
    siblings = [(f.value, f.key, j) for j, f in open_ if not f.atoms & atoms and f.atoms & around]
    if siblings:
        return min(siblings)[2]
    return min(((f.value, f.key, j) for j, f in parents), default=(0, (), None))[2]
