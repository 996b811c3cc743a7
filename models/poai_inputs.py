"""The chain's input generation and output quantisation, in Python.

A bit-exact port of the Rust crate `primitives/` (src/seed.rs, src/input.rs, src/quantise.rs,
src/tolerance.rs): the reference fixtures in models/fixtures/ are computed with it, and the
Rust tests compare against them, so any divergence shows up as a fixture mismatch. The known
answers pinned in the Rust tests are asserted by `self_test()` (run by every script here).
"""

from __future__ import annotations

import hashlib
import math
import struct

import numpy as np

SAMPLE_TAG = b"poai/sample"
UNIFORM_DRAW_BITS = 24


def blake2_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def sample_seed(seed: bytes, index: int) -> bytes:
    """`blake2_256("poai/sample" ‖ seed ‖ index_u32_le)`."""
    assert len(seed) == 32
    return blake2_256(SAMPLE_TAG + seed + struct.pack("<I", index))


class SeedRng:
    """Blake2-256 in counter mode: block `c` is `blake2_256(seed ‖ c_u64_le)`, eight LE u32 words."""

    def __init__(self, seed: bytes):
        assert len(seed) == 32
        self.seed = seed
        self.counter = 0
        self.words: tuple[int, ...] = ()
        self.next = 8

    def next_u32(self) -> int:
        if self.next >= 8:
            block = blake2_256(self.seed + struct.pack("<Q", self.counter))
            self.words = struct.unpack("<8I", block)
            self.counter += 1
            self.next = 0
        word = self.words[self.next]
        self.next += 1
        return word

    def next_u64(self) -> int:
        low = self.next_u32()
        high = self.next_u32()
        return low | (high << 32)

    def below(self, bound: int) -> int:
        return (self.next_u64() * bound) >> 64

    def u32_words(self, count: int) -> np.ndarray:
        """The next `count` words at once (same result as `count` calls of `next_u32`)."""
        out = np.empty(count, dtype=np.uint32)
        for i in range(count):
            out[i] = self.next_u32()
        return out


def uniform_value(min_milli: int, max_milli: int, u: int) -> np.float32:
    """`f32((min·2^24 + (max−min)·u) / (1000·2^24))`: exact numerator, one f64 division."""
    u &= (1 << UNIFORM_DRAW_BITS) - 1
    numerator = (min_milli << UNIFORM_DRAW_BITS) + (max_milli - min_milli) * u
    return np.float32(float(numerator) / (1000.0 * float(1 << UNIFORM_DRAW_BITS)))


def uniform_values(min_milli: int, max_milli: int, draws: np.ndarray) -> np.ndarray:
    """Vectorised `uniform_value`: the numerator is below 2^46, so int64 and f64 hold it exactly."""
    draws = draws.astype(np.int64) & ((1 << UNIFORM_DRAW_BITS) - 1)
    numerator = (np.int64(min_milli) << UNIFORM_DRAW_BITS) + np.int64(max_milli - min_milli) * draws
    return (numerator.astype(np.float64) / (1000.0 * float(1 << UNIFORM_DRAW_BITS))).astype(np.float32)


def element_count(shape) -> int:
    return int(math.prod(shape))


def generate_sample(input_spec: dict, seed: bytes, index: int) -> np.ndarray:
    """Sample `index` of the challenge with seed `seed`, as the tensor the model eats (no batch
    axis): float32 for `Uniform`, int64 for `Tokens`, int8 for `Int8`. `input_spec` is a models.json `input`."""
    shape = tuple(input_spec["shape"])
    count = element_count(shape)
    rng = SeedRng(sample_seed(seed, index))
    kind = input_spec["kind"]
    if "Uniform" in kind:
        lo, hi = kind["Uniform"]["minMilli"], kind["Uniform"]["maxMilli"]
        draws = rng.u32_words(count) >> np.uint32(32 - UNIFORM_DRAW_BITS)
        return uniform_values(lo, hi, draws).reshape(shape)
    if "Tokens" in kind:
        vocab = kind["Tokens"]["vocab"]
        return np.array([rng.below(vocab) for _ in range(count)], dtype=np.int64).reshape(shape)
    if "Int8" in kind:
        lo, hi = kind["Int8"]["min"], kind["Int8"]["max"]
        span = hi - lo + 1
        return np.array([lo + rng.below(span) for _ in range(count)], dtype=np.int8).reshape(shape)
    raise ValueError(f"unknown input kind {kind}")


def generate_batch(input_spec: dict, seed: bytes, indices) -> np.ndarray:
    return np.stack([generate_sample(input_spec, seed, i) for i in indices])


I32_MIN, I32_MAX = -(2**31), 2**31 - 1


def quantise(values, scale_bits: int) -> np.ndarray:
    """`round_half_away_from_zero(f64(x) · 2^scale_bits)` saturated to i32, element-wise.

    Like Rust's `f64::round`, not numpy's round-half-to-even. Raises on NaN (the chain refuses
    to quantise NaN)."""
    x = np.asarray(values, dtype=np.float32).astype(np.float64)
    if np.isnan(x).any():
        raise ValueError(f"NaN at position {int(np.argmax(np.isnan(x).ravel()))}")
    scaled = x * math.ldexp(1.0, scale_bits)  # exact: a power of two times an f32
    magnitude = np.abs(scaled)
    with np.errstate(invalid="ignore"):
        floor = np.floor(magnitude)
        # magnitude − floor is exact, so the half-way test is exact (floor(m + 0.5) would not be).
        rounded = np.where(magnitude - floor >= 0.5, floor + 1.0, floor)
    rounded = np.copysign(rounded, scaled)
    rounded = np.where(np.isinf(scaled), scaled, rounded)
    clipped = np.clip(rounded, float(I32_MIN), float(I32_MAX))
    return clipped.astype(np.int64).astype(np.int32)


def tolerance_figures(worker: np.ndarray, reference: np.ndarray) -> tuple[float, int]:
    """(‖a − b‖₂ / ‖b‖₂, max |a − b|) of two quantised outputs, the figures the chain bounds
    (`rel_l2_ppm` / 10^6 and `max_abs_ppm · 2^scale_bits / 10^6` quantised units)."""
    a = np.asarray(worker, dtype=np.int64)
    b = np.asarray(reference, dtype=np.int64)
    diff = (a - b).astype(np.float64)
    ref_norm = math.sqrt(float(np.dot(b.astype(np.float64), b.astype(np.float64))))
    rel = math.sqrt(float(np.dot(diff, diff))) / ref_norm if ref_norm else math.inf
    return rel, int(np.max(np.abs(a - b))) if a.size else 0


def f32_bits(x) -> int:
    return struct.unpack("<I", struct.pack("<f", float(np.float32(x))))[0]


def self_test() -> None:
    """The known answers of the Rust tests; a failure means this port has drifted."""
    # primitives/src/input.rs: uniform_values_pin_known_bits
    assert f32_bits(uniform_value(-1000, 1000, 12_345_678)) == 0x3EF18538
    assert f32_bits(uniform_value(-1500, 2500, 1)) == 0xBFBFFFFE
    assert f32_bits(uniform_value(1, 3, 7_654_321)) == 0x3AFAABB7
    assert uniform_value(-1000, 1000, 0) == -1.0 and uniform_value(-1000, 1000, 1 << 23) == 0.0
    assert uniform_value(0, 1000, 1 << 22) == 0.25
    draws = np.array([12_345_678, 1 << 23, 0, (1 << 24) - 1], dtype=np.uint32)
    assert [f32_bits(v) for v in uniform_values(-1000, 1000, draws)] == [
        f32_bits(uniform_value(-1000, 1000, int(d))) for d in draws
    ]
    # primitives/src/seed.rs: known_answers
    seed = bytes.fromhex("469dc81fe9d39a0aea03a51e385325d61f0946336086d5ec365711535dd37ed8")
    assert sample_seed(seed, 3).hex() == (
        "d6e22070a30571390ade0a8c9b23c42e1a544560bfbc3bba53f64fb448021891"
    )
    rng = SeedRng(bytes(32))
    assert (rng.next_u32(), rng.next_u32()) == (0x8031194A, 0x31F46135)
    rng = SeedRng(bytes(32))
    assert [rng.below(1000) for _ in range(3)] == [195, 40, 498]
    rng = SeedRng(sample_seed(seed, 3))
    assert [rng.next_u32() >> 8 for _ in range(4)] == [10_065_219, 16_381_007, 8_227_046, 13_491_550]
    # primitives/src/seed.rs: sample_seed_is_the_documented_concatenation
    assert sample_seed(bytes([3]) * 32, 9) == blake2_256(b"poai/sample" + bytes([3]) * 32 + bytes([9, 0, 0, 0]))
    # primitives/src/quantise.rs: rounds_half_away_from_zero, saturates_and_refuses_nan
    cases = [
        (0.5, 0, 1), (-0.5, 0, -1), (1.5, 0, 2), (2.5, 0, 3), (-2.5, 0, -3),
        (0.49999997, 0, 0), (1.0 / 3.0, 8, 85), (-0.75, 1, -2), (0.0, 16, 0), (-0.0, 16, 0),
        (math.inf, 8, I32_MAX), (-math.inf, 8, I32_MIN), (float(np.finfo(np.float32).max), 0, I32_MAX),
        (1.0, 31, I32_MAX), (-1.0, 31, I32_MIN), (-1.0e-30, 16, 0),
    ]
    for x, bits, q in cases:
        assert int(quantise([x], bits)[0]) == q, (x, bits, q)
    assert quantise([1.0, -2.0], 4).tolist() == [16, -32]
    try:
        quantise([1.0, float("nan")], 4)
    except ValueError:
        pass
    else:
        raise AssertionError("NaN was quantised")


if __name__ == "__main__":
    self_test()
    print("poai_inputs: known answers OK")
