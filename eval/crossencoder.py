"""Could e5-small, fine-tuned as a cross-encoder on the dev judgments, order /compare's cells? (DEV only)

    REFORM_SEARCH_DATA_DIR=… python -m eval.crossencoder [--epochs 4] [--lr 5e-5] [--json out.json]

No passage-relevance model (cross-encoder, reader) installs offline, and eval.headroom finds the
index's own signals saturated. The one model at hand is e5-small. This fine-tunes a copy of it
as a cross-encoder on half of the judged dev queries' /compare candidate cells (eval.headroom.cells:
the query and the passage in one sequence, mean-pooled, one logistic output, binary cross-entropy
on "judged relevant"; the embedding layer frozen, bfloat16 autocast) and scores the other half's
cells. It reports, on those held-out cells, as eval.headroom does: the first cell as ranked and by
the cross-encoder alone, the leave-one-query-out reranker with its score as an eleventh feature,
and how well it tells cities holding a judged passage from the rest (AUC). About 15 minutes on
two cores; nothing here changes a setting, and the test split is never read.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.headroom import CELL_FEATURES, cells, first_cell_report, initiative_titles, loo_rerank, omission_report


def split_queries(groups: Sequence[Sequence[dict[str, Any]]], seed: int = 0) -> dict[str, int]:
    """Query id → fold (0 or 1), alternating over the ids in a seeded shuffle."""
    ids = sorted({g[0]["query_id"] for g in groups})
    random.Random(seed).shuffle(ids)
    return {q: i % 2 for i, q in enumerate(ids)}


def _pooled(bert: Any, enc: Any) -> Any:
    hidden = bert(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1)


def train_and_score(encoder: Any, train: list[dict[str, Any]], score: list[dict[str, Any]], epochs: int,
                    lr: float, max_tokens: int = 256, batch: int = 16, seed: int = 0) -> list[float]:
    """Fine-tune a copy of the encoder's transformer on `train` cells; the scores of `score` cells."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    st = encoder.model
    bert = copy.deepcopy(st[0].auto_model).float()
    bert.embeddings.requires_grad_(False)  # 250k x 384 word vectors: their optimizer step would dominate
    head = torch.nn.Linear(encoder.dim, 1)
    opt = torch.optim.AdamW([p for p in bert.parameters() if p.requires_grad] + list(head.parameters()), lr=lr)

    def tokens(cs: list[dict[str, Any]]) -> Any:
        return st.tokenizer([encoder.spec.query_prompt + c["query"] for c in cs],
                            [encoder.spec.document_prompt + c["text"] for c in cs],
                            truncation="only_second", max_length=max_tokens, padding=True, return_tensors="pt")

    order = list(train)
    bert.train()
    for _ in range(epochs):
        rng.shuffle(order)
        for i in range(0, len(order), batch):
            b = order[i:i + batch]
            y = torch.tensor([float(c["grade"] > 0) for c in b])
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logit = head(_pooled(bert, tokens(b))).float().squeeze(-1)
            torch.nn.functional.binary_cross_entropy_with_logits(logit, y).backward()
            opt.step()
            opt.zero_grad()
    bert.eval()
    out: list[float] = []
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        for i in range(0, len(score), 32):
            out += head(_pooled(bert, tokens(score[i:i + 32]))).float().squeeze(-1).tolist()
    return out


def report(groups: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """eval.headroom's first-cell report over the scored groups, plus the cross-encoder's own
    first cells and the reranker with its score; AUCs of leaving a city out."""
    held = [g for g in groups if g[0]["held"]]
    omission = omission_report(groups, ("share", "dense", "cross"))
    return {
        **first_cell_report(groups),
        "cross_first": sum(max(g, key=lambda c: (c["cross"], -c["rank_index"]))["grade"] > 0 for g in held),
        "reranked_loo_with_cross": loo_rerank(held, features=(*CELL_FEATURES, "cross")),
        "auc": {s: omission[s]["auc"] for s in ("share", "dense", "cross")},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--json", help="also write the report here")
    args = ap.parse_args(argv)
    from index.searcher import Searcher
    from reform_search.settings import get_settings

    searcher = Searcher.open(get_settings())
    groups = cells(searcher, 3, initiative_titles(searcher))
    fold = split_queries(groups)
    train = [c for g in groups if fold[g[0]["query_id"]] == 0 for c in g]
    scored = [g for g in groups if fold[g[0]["query_id"]] == 1]
    flat = [c for g in scored for c in g]
    print(f"training on {len(train)} cells of {sum(1 for f in fold.values() if f == 0)} dev queries, "
          f"{args.epochs} epochs; scoring {len(flat)} cells of the other {sum(fold.values())}", flush=True)
    for c, s in zip(flat, train_and_score(searcher.encoder, train, flat, args.epochs, args.lr)):
        c["cross"] = s
    r = report(scored)
    print(f"first cell (held-out half, {r['groups']} groups of judged cities): as ranked {r['as_ranked']}, "
          f"cross-encoder alone {r['cross_first']}, reranker (leave one query out) {r['reranked_loo']}, "
          f"with the cross-encoder as a feature {r['reranked_loo_with_cross']}")
    print("leaving a city out, AUC: " + ", ".join(f"{k} {v:.3f}" for k, v in r["auc"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
