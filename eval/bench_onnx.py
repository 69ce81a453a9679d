"""`python -m eval.bench_onnx`: ONNX Runtime and OpenVINO against torch for the e5 encoder.

Exports the served model to ONNX (float32) once, quantizes it to int8 (dynamic, per-tensor
weights), then times each runtime on the same queries and passages as torch float32 and
bfloat16 and gives its cosine to torch float32. Needs the optional extra `onnx-eval`
(onnx, onnxruntime, openvino); a runtime that is not installed is skipped.

An alternative runtime would be adopted only at >= 1.5x torch bf16's speed with cosine
>= 0.999 to float32 (issue 13); this prints the numbers to decide, it adopts nothing.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_common import distinct_queries, line, pct

Encode = Callable[[list[str], str], np.ndarray]


def export(model: Any, out: Path) -> None:
    """The transformer of a sentence-transformers model as ONNX: ids and mask in, token states out."""
    import torch

    class States(torch.nn.Module):
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    enc = model.tokenizer(["query: 例"], return_tensors="pt")
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(States(model[0].auto_model).eval(), (enc["input_ids"], enc["attention_mask"]), str(out),
                      input_names=["input_ids", "attention_mask"], output_names=["states"],
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "states": axes},
                      opset_version=17, dynamo=False)


def mean_pooled(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """e5's pooling (mean over real tokens), L2-normalized."""
    m = mask[..., None].astype(np.float32)
    v = (np.asarray(states, np.float32) * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def runtime_encoder(tokenizer: Any, run: Callable[[dict[str, np.ndarray]], np.ndarray]) -> Encode:
    def encode(texts: list[str], prompt: str) -> np.ndarray:
        t = tokenizer([prompt + x for x in texts], padding=True, pad_to_multiple_of=8, truncation=True,
                      max_length=512, return_tensors="np")
        feed = {"input_ids": t["input_ids"].astype(np.int64), "attention_mask": t["attention_mask"].astype(np.int64)}
        return mean_pooled(run(feed), feed["attention_mask"])

    return encode


def onnxruntime_encoders(tokenizer: Any, models: dict[str, Path], threads: int) -> dict[str, Encode]:
    try:
        import onnxruntime as ort
    except ImportError:
        print("  onnxruntime not installed: skipped")
        return {}
    out = {}
    for name, path in models.items():
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
        sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        out[f"onnxruntime {name}"] = runtime_encoder(tokenizer, lambda feed, s=sess: s.run(None, feed)[0])
    return out


def openvino_encoders(tokenizer: Any, models: dict[str, Path], threads: int) -> dict[str, Encode]:
    try:
        import openvino as ov
    except ImportError:
        print("  openvino not installed: skipped")
        return {}
    core = ov.Core()
    out = {}
    for name, path in models.items():
        compiled = core.compile_model(core.read_model(str(path)), "CPU", {
            "INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1})
        out[f"openvino {name}"] = runtime_encoder(tokenizer, lambda feed, c=compiled: c(feed)[0])
    return out


def measure(name: str, encode: Encode, queries: list[str], passages: list[str], prompts: tuple[str, str],
            ref_q: np.ndarray, ref_p: np.ndarray) -> dict[str, float]:
    qp, pp = prompts
    encode(queries[:4], qp)
    lat = []
    for q in queries[:32]:
        t = time.perf_counter()
        encode([q], qp)
        lat.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    got_q = np.concatenate([encode(queries[i:i + 32], qp) for i in range(0, len(queries), 32)])
    qps = len(queries) / (time.perf_counter() - t)
    t = time.perf_counter()
    got_p = np.concatenate([encode(passages[i:i + 32], pp) for i in range(0, len(passages), 32)])
    pps = len(passages) / (time.perf_counter() - t)
    cq, cp = (got_q * ref_q).sum(1), (got_p * ref_p).sum(1)
    line(name, f"{pct(lat, 50):.1f} ms", f"batch-32 {qps:.1f} q/s, passages {pps:.1f}/s, cosine to float32 "
         f"queries min {cq.min():.5f}, passages min {cp.min():.5f}")
    return {"single_p50": pct(lat, 50), "batch_qps": qps, "passages_per_s": pps,
            "cos_query_min": float(cq.min()), "cos_passage_min": float(cp.min())}


def main(argv: list[str] | None = None) -> int:
    from index.build import context_text
    from index.model import load_encoder, resolve_model
    from ingest.pipeline import load_records
    from reform_search.settings import get_settings

    ap = argparse.ArgumentParser(prog="python -m eval.bench_onnx")
    ap.add_argument("--work", type=Path, default=Path("var/onnx"), help="where the exported models are kept")
    ap.add_argument("--queries", type=int, default=160)
    ap.add_argument("--passages", type=int, default=96)
    args = ap.parse_args(argv)
    settings = get_settings()
    spec = resolve_model(settings.model, settings.cache_dir, settings.query_prompt, settings.document_prompt)
    prompts = (spec.query_prompt, spec.document_prompt)
    threads = settings.torch_threads
    queries = distinct_queries(args.queries)
    chunks = load_records(settings.records_dir).chunks
    passages = [context_text(c, settings.embed_context) for c in chunks[:: max(1, len(chunks) // args.passages)]]
    passages = passages[: args.passages]
    f32 = load_encoder(spec, threads=threads, dtype="float32")
    bf16 = load_encoder(spec, threads=threads, dtype="bfloat16")
    fp32_onnx, int8_onnx = args.work / "e5-fp32.onnx", args.work / "e5-int8.onnx"
    if not int8_onnx.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        args.work.mkdir(parents=True, exist_ok=True)
        export(f32._model, fp32_onnx)
        quantize_dynamic(str(fp32_onnx), str(int8_onnx), weight_type=QuantType.QInt8)

    def torch_encoder(enc: Any) -> Encode:
        return lambda texts, p: (enc.encode_queries(texts, batch_size=len(texts)) if p == prompts[0]
                                 else enc.encode_documents(texts, batch_size=len(texts)))

    candidates = {"torch float32": torch_encoder(f32), "torch bfloat16": torch_encoder(bf16)}
    models = {"fp32": fp32_onnx, "int8": int8_onnx}
    candidates |= onnxruntime_encoders(f32.tokenizer, models, threads)
    candidates |= openvino_encoders(f32.tokenizer, models, threads)
    ref_q = f32.encode_queries(queries, batch_size=32)
    ref_p = f32.encode_documents(passages, batch_size=32)
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(f"encoders ({threads} threads, {len(queries)} queries, {len(passages)} passages, load {load}): "
          "1-query p50")
    got = {name: measure(name, enc, queries, passages, prompts, ref_q, ref_p) for name, enc in candidates.items()}
    base = got["torch bfloat16"]
    for name, r in got.items():
        speed = r["batch_qps"] / base["batch_qps"]
        ok = speed >= 1.5 and min(r["cos_query_min"], r["cos_passage_min"]) >= 0.999
        line(f"{name} vs torch bf16", f"{base['single_p50'] / r['single_p50']:.2f}x 1q",
             f"{speed:.2f}x batch-32; bar (>= 1.5x, cosine >= 0.999) {'met' if ok else 'not met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
