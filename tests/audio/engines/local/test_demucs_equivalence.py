"""The runner's Demucs path computes the same function as demucs.apply.apply_model.

RANDOMLY INITIALISED weights of the real architectures (no real weights exist
here): the comparison is about computing the same function, not about quality.
Each architecture the catalog names is checked: HTDemucs with 4 sources
(htdemucs, htdemucs_ft's members), with 6 (htdemucs_6s), and a weighted bag of
hybrid HDemucs models (mdx_extra): the fast path against apply_model for each, the
chunking at reference precision to the last bit for htdemucs and mdx_extra (htdemucs_6s
runs the same network through the same chunking, only with more sources).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from demucs.apply import BagOfModels, apply_model

from audio.engines.local import demucs_precision
from audio.engines.local.demucs_chunks import separate_in_chunks
from audio.engines.local.demucs_models import OVERLAP
from tests.audio.engines.local.random_repo import ARCHITECTURES

# Past one 7.8 s segment: two overlapping chunks, the second one short and padded.
SECONDS = 9.0


def bag_of(architecture: str, members: int, **bag_options) -> BagOfModels:
    torch.manual_seed(1)
    klass, kwargs = ARCHITECTURES[architecture]
    return BagOfModels([klass(**kwargs) for _ in range(members)], **bag_options)


ARCHITECTURE_BAGS = {
    "htdemucs": lambda: bag_of("htdemucs", 1),
    "htdemucs_6s": lambda: bag_of("htdemucs_6s", 1),
    # mdx_extra has four hybrid members; two with uneven per-source weights check the weighting.
    "mdx_extra": lambda: bag_of("hdemucs", 2, weights=[[1.0, 0.5, 1.0, 2.0], [1.0, 1.5, 0.0, 1.0]], segment=8),
}


def music(seconds: float, rate: int = 44100) -> torch.Tensor:
    rng = np.random.default_rng(3)
    t = np.arange(int(seconds * rate)) / rate
    left = 0.3 * np.sin(2 * np.pi * 110 * t) * (1 + np.sin(2 * np.pi * 2 * t)) + 0.05 * rng.standard_normal(t.size)
    right = 0.2 * np.sin(2 * np.pi * 330 * t + 1.0) + 0.05 * rng.standard_normal(t.size)
    return torch.from_numpy(np.stack([left, right]).astype(np.float32))


def snr_db(reference: torch.Tensor, estimate: torch.Tensor) -> float:
    noise = (reference - estimate).pow(2).sum().clamp_min(1e-30)
    return float(10 * torch.log10(reference.pow(2).sum() / noise))


@pytest.fixture(scope="module", params=sorted(ARCHITECTURE_BAGS))
def case(request: pytest.FixtureRequest) -> dict:
    bag = ARCHITECTURE_BAGS[request.param]()
    bag.eval()
    mix = music(SECONDS)
    mean, std = mix.mean(0).mean().item(), mix.mean(0).std().item()
    with torch.no_grad():
        reference = apply_model(bag, ((mix - mean) / std)[None], shifts=0, split=True, overlap=OVERLAP)[0]
    return {"name": request.param, "bag": bag, "mix": mix, "norm": (mean, std), "reference": reference}


def ours(case: dict, forward) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    chunks: list[tuple[int, int]] = []
    out = separate_in_chunks(
        case["bag"],
        case["mix"],
        case["norm"],
        overlap=OVERLAP,
        forward=forward,
        chunk_done=lambda *done: chunks.append(done),
    )
    return out, chunks


# Not htdemucs_6s: the same network and chunking as htdemucs (see above); its whole
# output is still compared against apply_model by the fast-path test.
@pytest.mark.parametrize("case", ["htdemucs", "mdx_extra"], indirect=True)
def test_chunking_at_reference_precision_matches_apply_model(case):
    with torch.no_grad():
        out, chunks = ours(case, lambda model, batch: model(batch))
    assert out.shape == case["reference"].shape
    members = len(case["bag"].models)
    # The members advance together along the track: each chunk offset is done by all of them before the next.
    assert [offset for _, offset in chunks] == sorted(offset for _, offset in chunks)
    assert len(chunks) == members * 2, chunks  # two chunks per member for 9 s
    assert snr_db(case["reference"], out) > 100


def test_fast_path_output_equals_apply_model_within_40_db_per_stem(case):
    for member in case["bag"].models:
        demucs_precision.prepare(member, case["name"], "cpu")
    out, _ = ours(case, demucs_precision.forward)
    stems = case["bag"].sources
    figures = {stem: snr_db(case["reference"][k], out[k]) for k, stem in enumerate(stems)}
    print(case["name"], {stem: round(db, 1) for stem, db in figures.items()})
    assert all(db >= 40 for db in figures.values()), figures


def test_fast_path_serves_the_catalog_architectures_on_cpu_only_and_logs_the_path(caplog):
    htdemucs, hdemucs = (klass(**kwargs) for klass, kwargs in (ARCHITECTURES["htdemucs"], ARCHITECTURES["hdemucs"]))
    assert demucs_precision.serves(htdemucs, "cpu") and demucs_precision.serves(hdemucs, "cpu")
    assert not demucs_precision.serves(hdemucs, "cuda")
    with caplog.at_level("INFO", logger=demucs_precision.__name__):
        demucs_precision.prepare(htdemucs, "htdemucs", "cpu")
        demucs_precision.prepare(torch.nn.Identity(), "own_model", "cpu")
    assert "htdemucs (HTDemucs): fast CPU path" in caplog.text
    assert "own_model (Identity on cpu): no fast path, running at reference precision" in caplog.text
    assert any(isinstance(module, demucs_precision.Float32Attention) for module in htdemucs.modules())


def test_float32_attention_computes_what_multihead_attention_computes():
    torch.manual_seed(4)
    attention = torch.nn.MultiheadAttention(64, 8, batch_first=True).eval()
    query, key = torch.randn(2, 50, 64), torch.randn(2, 30, 64)
    blocked = torch.rand(50, 30) < 0.3  # True: may not attend, in nn.MultiheadAttention's terms
    with torch.inference_mode():
        expected = attention(query, key, key, need_weights=False)[0]
        expected_masked, expected_weights = attention(query, key, key, attn_mask=blocked)
        demucs_precision.prepare(torch.nn.Sequential(attention), "attention", "cpu")
        assert type(attention) is torch.nn.MultiheadAttention  # not an architecture it serves
        attention.__class__ = demucs_precision.Float32Attention
        plain = attention(query, key, key, need_weights=False)[0]
        masked, weights = attention(query, key, key, attn_mask=blocked)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed_precision = attention(query, key, key, need_weights=False)[0].float()
    assert snr_db(expected, plain) > 100
    assert snr_db(expected_masked, masked) > 100 and torch.allclose(weights, expected_weights)
    assert 40 < snr_db(expected, mixed_precision) < 100
