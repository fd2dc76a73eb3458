"""Writes the Parquet fixtures of test/unit/parquet.test.ts and hub-datasets.test.ts with pyarrow,
and what pyarrow reads back from them, so the tests compare our reader with pyarrow's without
needing Python. Run with a Python that has pyarrow (e.g. /work/peft-venv/bin/python):

    python scripts/make-parquet-fixtures.py test/fixtures/parquet

Writes, into the folder:
  types-{snappy,zstd,gzip}.parquet  one table of every column kind the reader meets (strings with
                                     nulls and non-ASCII, int64 beyond 2**53, int32, float64, float32,
                                     bool, list, struct, binary, timestamp), 3 rows per row group
  types.rows.json                    {"fields": [...], "rows": [...]} as pyarrow reads the files back:
                                     ints as {"int": "digits"}, floats as JSON numbers, and the values
                                     that are not text, numbers or booleans as {"kind": ...}
  rte-{train,validation}.parquet     a small RTE-like task (sentence1, sentence2, label int64), snappy
  rte-{train,validation}.jsonl       the same rows as JSON Lines, written by Python's json
  multirc-validation.parquet         MultiRC-like rows with the hub's idx struct (paragraph, question, answer)
  record-validation.parquet          ReCoRD-like rows as aps/super_glue has them: passage with @highlight lines,
                                     entities and answers lists of strings, entity_spans and the idx struct
"""
import json
import sys
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)

types = pa.table({
    "text": ["yes, it is", "ein Beispiel", None, "naïve café ✓", "", "tab\there", "line\nbreak", "last"],
    "label": pa.array([0, 1, None, 2**53 + 1, -7, 1, 0, 1], pa.int64()),
    "i32": pa.array([1, -2, 3, 2**31 - 1, 0, 5, 6, None], pa.int32()),
    "f64": [0.1, None, 2.5, -1e-3, 123456.789, 3.0, 1 / 3, 0.0],
    "f32": pa.array([0.1, 1.0, 2.0, None, -0.5, 0.25, 7.75, 1e10], pa.float32()),
    "flag": [True, False, None, True, True, False, False, True],
    "lst": [[1], [2, 3], None, [], [4], [5], [6], [7]],
    "st": [{"x": 1}, None, {"x": 2}, {"x": 3}, {"x": 4}, {"x": 5}, {"x": 6}, {"x": 7}],
    "bin": [b"ab", b"\xff", None, b"", b"c", b"d", b"e", b"f"],
    "ts": pa.array([datetime(2020, 1, d) for d in range(1, 9)], pa.timestamp("ms")),
})
for codec in ("snappy", "zstd", "gzip"):
    pq.write_table(types, out / f"types-{codec}.parquet", compression=codec, row_group_size=3)


def tagged(value):
    if value is None or isinstance(value, (str, bool, float)):
        return value
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, list):
        return {"kind": "list"}
    if isinstance(value, dict):
        return {"kind": "struct"}
    if isinstance(value, bytes):
        return {"kind": "binary"}
    if isinstance(value, datetime):
        return {"kind": "timestamp"}
    raise TypeError(f"no tag for {type(value)}")


# What pyarrow reads back (from the snappy file; the test checks all three against it).
read = pq.read_table(out / "types-snappy.parquet")
assert all(pq.read_table(out / f"types-{c}.parquet").equals(read) for c in ("zstd", "gzip"))
rows = [{k: tagged(v) for k, v in row.items()} for row in read.to_pylist()]
(out / "types.rows.json").write_text(json.dumps({"fields": read.column_names, "rows": rows}, ensure_ascii=False, indent=1) + "\n")

rte = {
    "train": [
        ("A cat sat on the mat.", "A cat is sitting.", 0),
        ("The sun rises in the west.", "The sun rises in the east.", 1),
        ("Paris is the capital of France.", "Paris is in France.", 0),
        ("He bought two apples.", "He bought fruit.", 0),
        ("It rained all day.", "The ground stayed dry.", 1),
    ],
    "validation": [
        ("Water boils at 100 degrees.", "Water can boil.", 0),
        ("The shop closed at noon.", "The shop was open all night.", 1),
    ],
}
for split, examples in rte.items():
    table = pa.table({
        "sentence1": [e[0] for e in examples],
        "sentence2": [e[1] for e in examples],
        "label": pa.array([e[2] for e in examples], pa.int64()),
        "idx": pa.array(range(len(examples)), pa.int32()),
    })
    pq.write_table(table, out / f"rte-{split}.parquet", compression="snappy")
    with open(out / f"rte-{split}.jsonl", "w") as f:
        for row in pq.read_table(out / f"rte-{split}.parquet").to_pylist():
            f.write(json.dumps(row) + "\n")

# MultiRC as aps/super_glue stores it: idx a struct of int32 paragraph, question and answer.
multirc = [
    ("Joey ate pie.", "What did Joey eat?", "Pie", {"paragraph": 0, "question": 0, "answer": 0}, 1),
    ("Joey ate pie.", "What did Joey eat?", "Cake", {"paragraph": 0, "question": 0, "answer": 1}, 0),
    ("Joey ate pie.", "Who ate?", "Joey", {"paragraph": 0, "question": 1, "answer": 2}, 1),
    ("Ann slept.", "Who slept?", "Ann", {"paragraph": 1, "question": 2, "answer": 3}, 1),
]
idx_type = pa.struct([("paragraph", pa.int32()), ("question", pa.int32()), ("answer", pa.int32())])
pq.write_table(pa.table({
    "paragraph": [r[0] for r in multirc],
    "question": [r[1] for r in multirc],
    "answer": [r[2] for r in multirc],
    "idx": pa.array([r[3] for r in multirc], idx_type),
    "label": pa.array([r[4] for r in multirc], pa.int64()),
}), out / "multirc-validation.parquet", compression="snappy")

# ReCoRD as aps/super_glue stores it: entities and answers lists of strings, entity_spans a struct of
# lists, idx a struct of int32 passage and query.
record = [
    ("The cat sat on the mat.\n@highlight\nCat sits\n@highlight\nMat is red", "@placeholder sat on the mat",
     ["cat", "mat"], ["cat"], {"passage": 0, "query": 0}),
    ('Barack Obama spoke in Chicago. He asked "why?"\n@highlight\nObama speaks\n@highlight\nChicago hosts',
     "@placeholder spoke in Chicago", ["Barack Obama", "Chicago", "Obama"], ["Barack Obama", "Obama"], {"passage": 1, "query": 1}),
]
spans_type = pa.struct([("text", pa.list_(pa.string())), ("start", pa.list_(pa.int32())), ("end", pa.list_(pa.int32()))])
pq.write_table(pa.table({
    "passage": [r[0] for r in record],
    "query": [r[1] for r in record],
    "entities": pa.array([r[2] for r in record], pa.list_(pa.string())),
    "entity_spans": pa.array([{"text": r[2], "start": [0] * len(r[2]), "end": [1] * len(r[2])} for r in record], spans_type),
    "answers": pa.array([r[3] for r in record], pa.list_(pa.string())),
    "idx": pa.array([r[4] for r in record], pa.struct([("passage", pa.int32()), ("query", pa.int32())])),
}), out / "record-validation.parquet", compression="snappy")
