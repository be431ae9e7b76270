"""Cold-start (init) durations by runtime, architecture and memory, from measurements.

maxday/lambda-perf (github.com/maxday/lambda-perf) deploys a hello-world function per runtime,
architecture and memory size every day and forces 10 cold starts; the extract shipped in
``lambdasim/data/lambda_perf.json`` (run of 2025-12-21) keeps each configuration's samples.
A function with ``runtime`` and no explicit ``cold_start`` draws its init duration from a
lognormal with that configuration's median and log-space spread; the nearest measured memory
size is used (128-1,024 MB were measured; larger sizes use 1,024). Real functions add their
own dependency loading on top of these hello-world figures.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from .distributions import Lognormal

#: AWS runtime identifiers of custom runtimes -> the measured configuration used for them
ALIASES = {"provided.al2023": "go (prov.al2023)", "provided.al2": "go (prov.al2)",
           "java8.al2": "java8.al2"}


@cache
def measurements() -> dict:
    """The lambda-perf extract: source, dates and one entry per configuration."""
    import json

    text = resources.files("lambdasim.data").joinpath("lambda_perf.json").read_text()
    return json.loads(text)


def runtimes() -> list[str]:
    """Runtimes with measurements (AWS identifiers, and lambda-perf's names for custom
    runtimes, e.g. ``rust (prov.al2023)``)."""
    names = {c["runtime"] for c in measurements()["configs"]}
    return sorted(names | set(ALIASES))


def init_distribution(runtime: str, architecture: str, memory_mb: int) -> Lognormal:
    """The init-duration distribution measured for this configuration."""
    name = ALIASES.get(runtime, runtime)
    configs = [c for c in measurements()["configs"] if c["runtime"] == name]
    if not configs:
        raise ValueError(f"runtime = {runtime!r}: no cold-start measurements (runtimes: "
                         f"{', '.join(runtimes())}); give cold_start instead")
    same_arch = [c for c in configs if c["architecture"] == architecture] or configs
    best = min(same_arch, key=lambda c: (abs(c["memory_mb"] - memory_mb), c["memory_mb"]))
    return Lognormal(median_s=best["median_ms"] / 1e3, sigma=max(best["lognormal_sigma"], 0.01))
