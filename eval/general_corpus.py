"""The seed corpus as the general recognizer sees it: a manifest copy without ``parser`` fields.

``python -m eval.general_corpus DEST`` writes DEST/manifest.json and links the texts, so that
``REFORM_SEARCH_CORPUS_DIR=DEST REFORM_SEARCH_DATA_DIR=… reform-search ingest && … build && … eval``
evaluates every seed document parsed by the general recognizer instead of its named parser.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "corpora"


def general_corpus(dest: Path, src: Path = SEEDS) -> Path:
    manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    dest.mkdir(parents=True, exist_ok=True)
    for doc in manifest["documents"]:
        doc.pop("parser", None)
        link = dest / doc["file"]
        if not link.exists():
            link.symlink_to((src / doc["file"]).resolve())
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return dest


if __name__ == "__main__":
    print(general_corpus(Path(sys.argv[1])))
