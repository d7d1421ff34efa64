"""Whether a rewritten file could still hold a token naming the subject,
told from the values the verification has already decoded.

The verification runs the index's own token matching over every file it
rewrote (`RowFinder.files_naming`), and DuckDB spends most of that reading
each file again and writing every value as text: a scalar cast, a nested
value as JSON. That matching only ever cuts a text that passes the
subject's prefilter (each of their keys literally, in any case;
`subject_prefilter`). The same expression, run by the same engine (RE2)
over the file's decoded text and integer values, tells which files cannot
pass: those are settled, and the token matching runs on the others.

Only where the decoded values are exactly the text DuckDB would search, or
more of it: text as it is, an integer as its digits, a nested value's
text and integer leaves and its field names, when none of them holds a
character that JSON writes escaped. A column of any other type that DuckDB
searches (a blob, a uuid, a nested float or timestamp) sends the file to
the token matching.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

JSON_ESCAPED = r'[\x00-\x1f"\\]'  # what DuckDB's to_json writes as an escape, whose letters a token could take
JSON_WORDS = ("true", "false", "null")  # an array is made when needed: making one loads pandas


def _unsearched(kind: pa.DataType) -> bool:
    """The types discovery leaves out of the token search (`catalog.UNSCANNED_TYPES`), as Arrow reads them."""
    return (pa.types.is_floating(kind) or pa.types.is_decimal(kind) or pa.types.is_temporal(kind)
            or pa.types.is_boolean(kind) or pa.types.is_null(kind))


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _nested(kind: pa.DataType) -> bool:
    return pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind) \
        or pa.types.is_struct(kind) or pa.types.is_map(kind)


def read_for_tokens(kind: pa.DataType) -> bool:
    """A column to decode for `may_name`: one the token matching searches, of a type whose text can be told."""
    return readable(kind) and not _unsearched(kind)


def readable(kind: pa.DataType, top: bool = True) -> bool:
    """Whether values of this type can be told from their decoded form: text,
    integers, and nested values whose leaves are text, integers, booleans."""
    if pa.types.is_dictionary(kind):
        return readable(kind.value_type, top)
    if _is_text(kind) or pa.types.is_integer(kind):
        return True
    if top and _unsearched(kind):
        return True
    if pa.types.is_boolean(kind) or pa.types.is_null(kind):
        return True
    if pa.types.is_map(kind):
        return readable(kind.key_type, False) and readable(kind.item_type, False)
    if _nested(kind) and not pa.types.is_struct(kind):
        return readable(kind.value_type, False)
    if pa.types.is_struct(kind):
        return all(readable(kind.field(i).type, False) for i in range(kind.num_fields))
    return False


def _field_names(kind: pa.DataType) -> list[str]:
    if pa.types.is_dictionary(kind):
        return _field_names(kind.value_type)
    if pa.types.is_map(kind):
        return _field_names(kind.key_type) + _field_names(kind.item_type)
    if pa.types.is_struct(kind):
        return [name for i in range(kind.num_fields)
                for name in (kind.field(i).name, *_field_names(kind.field(i).type))]
    if _nested(kind):
        return _field_names(kind.value_type)
    return []


def _leaves(values: pa.Array) -> list[pa.Array]:
    """The text and integer arrays inside `values`; of a dictionary, its distinct values."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        return _leaves(values.dictionary)
    if _is_text(kind):
        return [values]
    if pa.types.is_integer(kind):
        return [pc.cast(values, pa.string())]
    if pa.types.is_map(kind):
        return _leaves(values.keys) + _leaves(values.items)
    if pa.types.is_struct(kind):
        return [leaf for i in range(kind.num_fields) for leaf in _leaves(values.field(i))]
    if _nested(kind):
        return _leaves(values.flatten())
    return []


def _passes(strings: pa.Array, prefilter: str) -> bool:
    return len(strings) > 0 and pc.any(pc.match_substring_regex(strings, prefilter)).as_py()


def may_name(schema: pa.Schema, decoded: pa.Table, prefilter: str) -> bool:
    """False only when no value the token matching would cut, in any column
    of `schema` (the file's), can pass `prefilter`; `decoded` holds the
    file's text and integer columns, at least."""
    for field in schema:
        if not readable(field.type):
            return True
        if _unsearched(field.type):
            continue
        if field.name not in decoded.column_names:
            return True
        nested = _nested(field.type)
        names = pa.array(_field_names(field.type), pa.string())
        if nested and (_passes(names, prefilter) or _passes(names, JSON_ESCAPED)
                       or _passes(pa.array(JSON_WORDS, pa.string()), prefilter)):
            return True
        for chunk in decoded.column(field.name).chunks:
            for leaf in _leaves(chunk):
                if _passes(leaf, prefilter) or (nested and _is_text(leaf.type) and _passes(leaf, JSON_ESCAPED)):
                    return True
    return False
