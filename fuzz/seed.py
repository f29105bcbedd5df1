#!/usr/bin/env python3
# Rebuilds fuzz/seeds/ from ../shared/protocol/vectors: one file per vector row holding the frame
# text (compact JSON of `frame`, or the `text` of a malformed row), named <file>-<row name>.
import json, pathlib, re, sys
root = pathlib.Path(__file__).resolve().parent
vectors = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent.parent / "shared/protocol/vectors"
seeds = root / "seeds"
seeds.mkdir(exist_ok=True)
for old in seeds.iterdir():
    old.unlink()
for kind in ("inbound", "outbound", "malformed"):
    for n, line in enumerate((vectors / f"{kind}.jsonl").read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        text = row["text"] if "text" in row else json.dumps(row["frame"], separators=(",", ":"), ensure_ascii=False)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", row.get("name") or f"row{n}")
        (seeds / f"{kind}-{n:02}-{name}").write_text(text)
