"""Add a writer's labeled rows to the bundled set, split into tune and holdout by id.

    python scripts/split_rows.py FILE NAME            # -> tune-NAME.jsonl, holdout-NAME.jsonl
    python scripts/split_rows.py FILE NAME --style-shift   # -> style-shift-NAME.jsonl, whole

A row goes to holdout when the first byte of sha256(id) is below 64 (one in four): the split
depends on nothing but the id, so it is reproducible and blind to the scorer.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

EVAL = Path(__file__).resolve().parents[1] / "smart_router" / "data" / "eval"


def is_holdout(row_id: str) -> bool:
    """One row in four, by a hash of its id."""
    return hashlib.sha256(row_id.encode("utf-8")).digest()[0] < 64


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file")
    parser.add_argument("name")
    parser.add_argument("--style-shift", action="store_true", help="keep every row in style-shift-NAME.jsonl")
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.file).read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.style_shift:
        groups = {f"style-shift-{args.name}.jsonl": rows}
    else:
        groups = {
            f"tune-{args.name}.jsonl": [r for r in rows if not is_holdout(r["id"])],
            f"holdout-{args.name}.jsonl": [r for r in rows if is_holdout(r["id"])],
        }
    for filename, chosen in groups.items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen)
        (EVAL / filename).write_text(text, encoding="utf-8")
        print(f"{filename}: {len(chosen)} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
