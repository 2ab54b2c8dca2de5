"""The cell codec: Python cells <-> Arrow/Parquet, one encoding and one decoding for every stage.

The store writes tables with it, the query engine reads their kinds and decodes its results with it, and the
Explorer decodes page cells with it (docs/storage.md is the format).
"""

from __future__ import annotations

from .decode import column_to_pandas, decode_cell, decode_column, table_to_pandas
from .encode import Encoded, encode_columns, encode_dataframe, encode_values
from .images import ClassesCache, MediaSink, MediaSource, box_from_record, image_from_record, image_struct_type
from .kinds import (
    FORMAT_VERSION,
    META_KEY,
    VARIANT_FIELDS,
    cell_kind,
    check_cell,
    kind_of_arrow_type,
    read_meta,
    with_meta,
)
from .media import MEDIA_KINDS, encode_media, media_from_record, media_kind_of, media_struct_type, stage_media_file
from .overrides import apply_columns, columns_descriptor, parse_descriptor, read_with_columns, write_patched_column
from .parquet import read_parquet, read_schema, write_parquet
from .variant import FIELD_OF_TAG, VARIANT_TYPE, decode_variant, encode_variant, json_dumps

__all__ = [
    "FIELD_OF_TAG",
    "FORMAT_VERSION",
    "MEDIA_KINDS",
    "META_KEY",
    "VARIANT_FIELDS",
    "VARIANT_TYPE",
    "ClassesCache",
    "Encoded",
    "MediaSink",
    "MediaSource",
    "apply_columns",
    "box_from_record",
    "cell_kind",
    "check_cell",
    "column_to_pandas",
    "columns_descriptor",
    "decode_cell",
    "decode_column",
    "decode_variant",
    "encode_columns",
    "encode_dataframe",
    "encode_media",
    "encode_values",
    "encode_variant",
    "image_from_record",
    "image_struct_type",
    "json_dumps",
    "kind_of_arrow_type",
    "media_from_record",
    "media_kind_of",
    "media_struct_type",
    "parse_descriptor",
    "read_meta",
    "read_parquet",
    "read_schema",
    "read_with_columns",
    "stage_media_file",
    "table_to_pandas",
    "with_meta",
    "write_parquet",
    "write_patched_column",
]
