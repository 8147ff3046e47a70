"""Benchmark the book build at today's size and padded with synthetic records.

    make bench                                  # sizes 1000 and 10000
    .venv/bin/python scripts/bench.py --sizes 0 1000 --out _build/bench.md

For each size N the book is copied into a temporary folder (never into the project), padded with
N synthetic records, and built as `make book` builds it (`evidencebook build`). Printed per size:
- full build, from an empty _build (no cache of any kind);
- no-op: `make book` again with nothing changed; and "Sphinx no-op", the same forced through Sphinx's
  own incremental path (`evidencebook build --force`), for comparison;
- edit one record (its title) and add one record: seconds until the page shows the change (polled
  every 50 ms while the build runs) and until the whole build (chapters included) is done;
- peak memory of any single process of the full build (Sphinx, its workers and the chapter kernels);
- size of the built site; transfer (gzip) size of the catalogue page, of the index it loads after it
  (data/catalogue-index.json) and of a case-study page;
- page weight: what each kind of page (home, case page, catalogue, search, chart chapters) loads in
  all, raw and gzip, against issue 19's budget (evidencebook.sphinx.weight, as tests/test_weight.py);
- full build's CPU time (user + system, of every process it started);
- marginal cost per record: (full build - full build of the real book) / records added, in wall-clock
  and in CPU seconds.

    .venv/bin/python scripts/bench.py --weights [_build/html]

prints only the page weight of an already built site (the book's own _build/html by default).

    .venv/bin/python scripts/bench.py --patches --sizes 1000

measures instead what each patch of another project saves (docs/performance.md, "Patches"): for each
size, a full build and an edit with every patch, then the same with each patch left out in turn
(`evidencebook build --without-patch NAME`), and with none (`--plain-sphinx`).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evidencebook.sphinx.weight import report as weight_report  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
IGNORE = shutil.ignore_patterns(".git", ".venv", "_build", "cases", "__pycache__", ".pytest_cache", "conf.py")

# Peak RSS and CPU time of a build: run it under a tiny wrapper that reports, for every process the
# build started (Sphinx, its workers, the chapter kernels), the largest peak resident memory and the
# total CPU time (user + system).
_WRAPPER = (
    "import resource, subprocess, sys; "
    "r = subprocess.run(sys.argv[1:]); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print('PEAK_RSS_KB', u.ru_maxrss, file=sys.stderr); "
    "print('CPU_S', u.ru_utime + u.ru_stime, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


@dataclass
class Result:
    records: int
    full_s: float
    full_cpu_s: float
    noop_s: float
    sphinx_noop_s: float
    edit_visible_s: float
    edit_s: float
    add_visible_s: float
    add_s: float
    peak_rss_mb: float
    site_mb: float
    catalogue_kb_gzip: float
    catalogue_index_kb_gzip: float
    case_page_kb_gzip: float
    page_weights: str = ""  # weight.report(): each kind of page with everything it loads


def synthetic_outcome(outcome: dict) -> dict:
    """A reported change is one the source gives without a figure (the validator refuses one with a value)."""
    if outcome["kind"] == "reported-change":
        without = {k: v for k, v in outcome.items() if k not in ("value", "unit")}
        return {**without, "note": "Synthetic: the source reports the change without a figure."}
    return outcome


def synthetic_records(root: Path, n: int, seed: int = 2026) -> list[dict]:
    """Plausible records drawn from the real vocabularies and references (deterministic)."""
    rnd = random.Random(seed)
    vocab = {
        p.stem: [t["id"] for t in yaml.safe_load(p.read_text())["terms"]]
        for p in (root / "data/vocabularies").glob("*.yml")
    }
    keys = [
        line.split("{", 1)[1].split(",", 1)[0]
        for line in (root / "references.bib").read_text().splitlines()
        if line.startswith("@")
    ]
    regions = [r for r in vocab["regions"] if r != "several-regions"]
    records = []
    for i in range(n):
        rid = f"synthetic-{i:05d}"
        records.append(
            {
                "id": rid,
                "title": f"Synthetic case study {i:05d}: {rnd.choice(vocab['themes']).replace('-', ' ')}",
                "place": {"name": f"Place {i % 997}", "country": "england", "region": rnd.choice(regions)},
                "level": rnd.choice(["system", "place", "neighbourhood", "organisation"]),
                "period": {"start": 2010 + i % 8, "end": 2018 + i % 5},
                "organisations": [f"Council {i % 151}", f"NHS trust {i % 89}"],
                "model": rnd.sample(vocab["models"], 2),
                "themes": rnd.sample(vocab["themes"], 3),
                "summary": f"A synthetic record for the benchmark, number {i}. It has *some* Markdown and a second sentence.",
                "outcomes": [
                    synthetic_outcome(
                        {
                            "metric": f"Synthetic measure {j}",
                            "value": round(rnd.uniform(1, 99), 1),
                            "unit": "percent",
                            "kind": rnd.choice(vocab["outcome_kinds"]),
                            "domain": rnd.choice(vocab["outcome_domains"]),
                            "comparison": "the year before",
                            "period": "2016/17",
                            "source": {"key": rnd.choice(keys), "locator": f"p. {j + 1}"},
                        }
                    )
                    for j in range(3)
                ],
                "evidence": {
                    "type": rnd.choice(vocab["evidence_types"]),
                    "appraisal": "Synthetic: no evidence at all.",
                },
                "sources": [{"key": k, "locator": "p. 1"} for k in rnd.sample(keys, 2)],
            }
        )
    return records


def copy_book(target: Path, n: int) -> None:
    shutil.copytree(ROOT, target, ignore=IGNORE)
    for record in synthetic_records(ROOT, n):
        (target / "case_studies" / f"{record['id']}.yml").write_text(
            yaml.safe_dump(record, sort_keys=False, allow_unicode=True)
        )


# What `make book` runs once its environment is set up (the environment itself is never touched here:
# running make's set-up in a copy would point the project's editable install at the copy).
BUILD = [str(BIN / "evidencebook"), "build"]


def timed_build(book: Path, *extra: str, shows: tuple[Path, str] | None = None) -> tuple[float, float, float, float]:
    """(seconds, peak RSS in MB, seconds until `shows` = (page, text) appeared, CPU seconds) of
    `evidencebook build`."""
    command = [sys.executable, "-c", _WRAPPER, *BUILD, *extra]
    seen: list[float] = []
    start = time.perf_counter()

    def watch(page: Path, text: str) -> None:
        while not seen:
            try:
                if text in page.read_text(encoding="utf-8"):
                    seen.append(time.perf_counter() - start)
                    return
            except OSError:
                pass
            time.sleep(0.05)

    if shows:
        threading.Thread(target=watch, args=shows, daemon=True).start()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=book)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise BuildFailed(f"build failed in {book}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    if shows and not seen:
        raise SystemExit(f"{shows[0]} never showed {shows[1]!r}")
    reported = dict(line.split(maxsplit=1) for line in proc.stderr.splitlines() if line.startswith(("PEAK_RSS_KB", "CPU_S")))
    rss_kb, cpu_s = int(reported.get("PEAK_RSS_KB", 0)), float(reported.get("CPU_S", 0))
    return elapsed, rss_kb / 1024, seen[0] if seen else elapsed, cpu_s


def gzip_kb(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), 6)) / 1024


def measure(n: int, work: Path) -> Result:
    book = work / f"book-{n}"
    copy_book(book, n)
    html = book / "_build" / "html"
    full, rss, _, full_cpu = timed_build(book)
    noop, _, _, _ = timed_build(book)
    sphinx_noop, _, _, _ = timed_build(book, "--force")
    record = sorted((book / "case_studies").glob("[!_]*.yml"))[0]
    data = yaml.safe_load(record.read_text())
    data["title"] = data["title"] + " (edited for the benchmark)"
    record.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    case_page = html / "cases" / f"{record.stem}.html"
    edit, _, edit_visible, _ = timed_build(book, shows=(case_page, "(edited for the benchmark)"))
    extra = synthetic_records(ROOT, 1, seed=7)[0]
    extra["id"] = "synthetic-added"
    (book / "case_studies" / "synthetic-added.yml").write_text(yaml.safe_dump(extra, sort_keys=False))
    add, _, add_visible, _ = timed_build(book, shows=(html / "cases" / "synthetic-added.html", extra["title"]))
    site = sum(p.stat().st_size for p in html.rglob("*") if p.is_file()) / 1e6
    result = Result(
        n,
        full,
        full_cpu,
        noop,
        sphinx_noop,
        edit_visible,
        edit,
        add_visible,
        add,
        rss,
        site,
        gzip_kb(html / "cases" / "index.html"),
        gzip_kb(html / "data" / "catalogue-index.json"),
        gzip_kb(case_page),
        weight_report(html),
    )
    shutil.rmtree(book)
    return result


@dataclass
class PatchResult:
    left_out: str  # "" for every patch applied, "all" for --plain-sphinx
    failed: str  # why the strict build failed without it, or ""
    full_s: float
    full_cpu_s: float
    peak_rss_mb: float
    edit_visible_s: float
    edit_s: float


class BuildFailed(SystemExit):
    pass


def measure_patches(n: int, work: Path, names: list[str]) -> list[PatchResult]:
    """A full build and an edit of one record with every patch, then without each patch named (all when
    none is named) in turn, then without any, then with every patch again: the two runs with every patch
    show how much the machine's own variation is."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from evidencebook.sphinx.patches import PATCHES

    book = work / f"book-{n}"
    copy_book(book, n)
    record = sorted((book / "case_studies").glob("[!_]*.yml"))[0]
    original = record.read_text()
    chosen = [p.name for p in PATCHES if not names or p.name in names]
    # Without the parallel-safe declaration Sphinx reads serially and says so in a warning, which fails the
    # strict build: those runs are serial from the start (--jobs 1), as tests/test_build.py builds them.
    serial = ("--jobs", "1")
    runs = [
        ("", ()),
        *[(name, ("--without-patch", name, *(serial if name == "undeclared-extensions-parallel-safe" else ()))) for name in chosen],
        ("all", ("--plain-sphinx", *serial)),
        ("", ()),
    ]
    results = []
    for left_out, flags in runs:
        shutil.rmtree(book / "_build", ignore_errors=True)
        record.write_text(original)
        try:
            full, rss, _, cpu = timed_build(book, *flags)
        except BuildFailed as failed:
            # Sphinx's own warning (the strict build's reason), not a chapter kernel's notices
            lines = [line for line in str(failed.code).splitlines() if "IPKernelApp" not in line]
            reason = next((line for line in lines if "WARNING:" in line or "rror" in line), "")
            results.append(PatchResult(left_out, reason.strip()[:160] or "the build failed", 0, 0, 0, 0, 0))
            continue
        data = yaml.safe_load(original)
        data["title"] = data["title"] + " (edited for the benchmark)"
        record.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        page = book / "_build" / "html" / "cases" / f"{record.stem}.html"
        edit, _, edit_visible, _ = timed_build(book, *flags, shows=(page, "(edited for the benchmark)"))
        results.append(PatchResult(left_out, "", full, cpu, rss, edit_visible, edit))
        print(patch_table(n, results), flush=True)
    shutil.rmtree(book)
    return results


def patch_table(n: int, results: list[PatchResult]) -> str:
    real = len(list((ROOT / "case_studies").glob("[!_]*.yml")))
    lines = [
        f"{n + real:,} records. Full build: wall-clock seconds (CPU seconds of all its processes); edit one record: "
        "seconds until its page shows the change / until the whole build is done. Differences against every patch applied.",
        "",
        "| left out | full build | peak RSS | edit one |",
        "|---|---|---|---|",
    ]
    base = results[0]
    for r in results:
        name = {"": "none (every patch applied)", "all": "all (`--plain-sphinx`)"}.get(r.left_out, f"`{r.left_out}`")
        if r.failed:
            lines.append(f"| {name} | the strict build fails: {r.failed.replace('|', '/')} | | |")
            continue
        delta = "" if r is base else f" ({r.full_s - base.full_s:+.1f} s; {r.full_cpu_s - base.full_cpu_s:+.0f} s CPU)"
        edit_delta = "" if r is base else f" ({r.edit_visible_s - base.edit_visible_s:+.1f} s / {r.edit_s - base.edit_s:+.1f} s)"
        lines.append(
            f"| {name} | {r.full_s:.1f} s ({r.full_cpu_s:,.0f} s){delta} | {r.peak_rss_mb:,.0f} MB | "
            f"{r.edit_visible_s:.1f} s / {r.edit_s:.1f} s{edit_delta} |"
        )
    return "\n".join(lines) + "\n"


def table(results: list[Result], base: Result | None) -> str:
    real = len(list((ROOT / "case_studies").glob("[!_]*.yml")))
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}",
        "",
        f"Each row: the real book ({real} records) plus synthetic ones. Full build: wall-clock seconds (CPU seconds of all its processes). "
        "Edit and add: seconds until the page shows the change / until the whole build is done (for the edit, also as a share of the full build). Marginal: seconds per added record, wall-clock (CPU).",
        "",
        "| records | full build | no-op | Sphinx no-op | edit one | add one | peak RSS | site | catalogue (gzip) | its index, loaded after it (gzip) | case page (gzip) | marginal s/record |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        marginal = (
            f"{(r.full_s - base.full_s) / r.records:.4f} ({(r.full_cpu_s - base.full_cpu_s) / r.records:.4f})"
            if r.records and base
            else "—"
        )
        lines.append(
            f"| {r.records + real:,} | {r.full_s:.1f} s ({r.full_cpu_s:,.0f} s) | {r.noop_s:.1f} s | {r.sphinx_noop_s:.1f} s | "
            f"{r.edit_visible_s:.1f} s / {r.edit_s:.1f} s ({r.edit_visible_s / r.full_s:.0%} / {r.edit_s / r.full_s:.0%} of full) | {r.add_visible_s:.1f} s / {r.add_s:.1f} s | {r.peak_rss_mb:,.0f} MB | "
            f"{r.site_mb:,.1f} MB | {r.catalogue_kb_gzip:,.1f} KB | {r.catalogue_index_kb_gzip:,.1f} KB | {r.case_page_kb_gzip:,.1f} KB | "
            f"{marginal} |"
        )
    grown = [r for r in results if r.records]
    for smaller, larger in itertools.pairwise(grown if base else []):
        added = larger.records - smaller.records
        step, step_cpu = (larger.full_s - smaller.full_s) / added, (larger.full_cpu_s - smaller.full_cpu_s) / added
        first, first_cpu = (smaller.full_s - base.full_s) / smaller.records, (smaller.full_cpu_s - base.full_cpu_s) / smaller.records
        lines.append(
            f"\nFrom {smaller.records + real:,} to {larger.records + real:,} records: {step:.4f} s per added record "
            f"({step / first:.2f}x the cost per record from {real} to {smaller.records + real:,}); "
            f"{step_cpu:.4f} CPU s per added record ({step_cpu / first_cpu:.2f}x)."
        )
    for r in results:
        lines.append(f"\nPage weight at {r.records + real:,} records (with everything each page loads):\n\n{r.page_weights}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 10000], help="synthetic records to add"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "bench.md")
    parser.add_argument(
        "--no-real-book",
        action="store_true",
        help="skip the row of the real book alone (saves its five builds; no marginal cost per record)",
    )
    parser.add_argument(
        "--patches",
        nargs="*",
        metavar="NAME",
        help="measure patches of other projects instead (the ones named, or all): builds with each one left out in turn",
    )
    parser.add_argument(
        "--weights",
        nargs="?",
        type=Path,
        const=ROOT / "_build" / "html",
        metavar="HTML",
        help="only print what each kind of page of a built site weighs (default: _build/html), then stop",
    )
    args = parser.parse_args(argv)
    if args.weights is not None:
        print(weight_report(args.weights))
        return 0
    if args.patches is not None:
        with tempfile.TemporaryDirectory(prefix="evidencebook-bench-") as tmp:
            text = "\n".join(patch_table(n, measure_patches(n, Path(tmp), args.patches)) for n in args.sizes)
        out = args.out.with_name("bench-patches.md")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        print(f"written to {out}")
        return 0
    with tempfile.TemporaryDirectory(prefix="evidencebook-bench-") as tmp:
        work = Path(tmp)
        results = [] if args.no_real_book else [measure(0, work)]
        base = results[0] if results else None
        for n in args.sizes:
            results.append(measure(n, work))
            print(table(results, base), flush=True)
    text = table(results, base)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    (args.out.with_suffix(".json")).write_text(json.dumps([asdict(r) for r in results], indent=1))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
