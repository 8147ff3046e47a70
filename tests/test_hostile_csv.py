"""The hostile data corpus (tests/hostile_data/csv/, described by its manifest.yml).

Each case replaces one file of a copy of data/ (a CSV file, the package descriptor, or a file that
should not be there); the validator must refuse it with the manifest's message, and never raise.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from evidencebook.publish.datapackage import publish
from evidencebook.records.bib import load_bibliography
from evidencebook.records.datacheck import data_package_problems
from evidencebook.records.datasets import load_package

from .conftest import ROOT, knowledge_root

CORPUS = Path(__file__).parent / "hostile_data" / "csv"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yml").read_text(encoding="utf-8"))


def apply_case(root: Path, name: str) -> Path:
    """Write case `name` into the book at `root` as its manifest says; returns the file written."""
    spec = MANIFEST[name]
    target = root / "data" / spec["replaces"]
    target.unlink(missing_ok=True)
    raw = (CORPUS / name).read_bytes()
    if "pad_to" in spec:  # a huge file is made at test time rather than kept in the repository
        last = raw.splitlines(keepends=True)[-1]
        raw += last * ((spec["pad_to"] - len(raw)) // len(last) + 1)
    if spec.get("symlink"):
        outside = root / name
        outside.write_bytes(raw)
        target.symlink_to(outside)
    else:
        target.write_bytes(raw)
    return target


def messages(spec: dict) -> list[str]:
    return spec["message"] if isinstance(spec["message"], list) else [spec["message"]]


def test_the_manifest_and_the_folder_agree():
    assert {p.name for p in CORPUS.iterdir() if p.name != "manifest.yml"} == set(MANIFEST)


def test_the_real_data_package_has_no_problem():
    assert data_package_problems(ROOT, load_bibliography(ROOT / "references.bib")) == []


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_hostile_data_file_is_refused_with_its_message(tmp_path, name):
    root = knowledge_root(tmp_path)
    apply_case(root, name)
    shown = [str(p) for p in data_package_problems(root, load_bibliography(root / "references.bib"))]
    for expected in messages(MANIFEST[name]):
        assert any(expected in line for line in shown), "\n".join(shown) or "(no problem reported)"
    assert all(" — " in line and line.split(" — ", 1)[1].strip() for line in shown), "every message has a fix"


def test_the_cli_refuses_hostile_data_without_a_traceback(tmp_path):
    """Through `evidencebook validate` (load_knowledge_base): several hostile files at once, exit status 1."""
    root = knowledge_root(tmp_path)
    for name in ("non-finite-numbers.csv", "unknown-file.txt", "dot-file.csv"):
        apply_case(root, name)
    result = subprocess.run(
        [sys.executable, "-m", "evidencebook", "--root", str(root), "validate"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    for name in ("non-finite-numbers.csv", "unknown-file.txt", "dot-file.csv"):
        for expected in messages(MANIFEST[name]):
            assert expected in output


def test_a_descriptor_pointing_outside_data_is_refused_and_nothing_there_is_read(tmp_path):
    root = knowledge_root(tmp_path)
    secret = tmp_path / "secret.csv"
    secret.write_text("not,for,the,book\n", encoding="utf-8")
    package = root / "data" / "datapackage.json"
    package.write_text(
        package.read_text(encoding="utf-8").replace('"life-expectancy.csv"', '"../secret.csv"')
    )
    shown = [str(p) for p in data_package_problems(root)]
    assert any("'../secret.csv' leaves or circles the data folder" in line for line in shown), shown
    assert not any("not,for" in line for line in shown)


def test_files_saved_with_a_byte_order_mark_are_valid_and_read(tmp_path):
    """Spreadsheets save 'CSV UTF-8' with a BOM (some editors JSON too): valid, and the chapters read them."""
    root = knowledge_root(tmp_path)
    for path in (root / "data" / "life-expectancy.csv", root / "data" / "datapackage.json"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert data_package_problems(root) == []
    assert load_package(root).raw("life-expectancy").columns[0] == "source_key"


def test_a_data_folder_that_is_a_link_or_holds_one_is_refused(tmp_path):
    root = knowledge_root(tmp_path)
    shutil.copytree(root / "data" / "survey", tmp_path / "elsewhere")
    shutil.rmtree(root / "data" / "survey")
    (root / "data" / "survey").symlink_to(tmp_path / "elsewhere")
    shown = [str(p) for p in data_package_problems(root)]
    assert "data/survey:1: (file): is a symbolic link — replace the link by the file itself" in shown, shown
    assert any("'survey/phc-2015-survey.csv' goes through a symbolic link (survey)" in line for line in shown)


def test_a_profile_or_schema_address_is_never_fetched(tmp_path):
    """A descriptor naming an address as its profile would make frictionless fetch it (from CI, say)."""
    requests = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_port}"
    try:
        root = knowledge_root(tmp_path)
        path = root / "data" / "datapackage.json"
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        descriptor["profile"] = f"{address}/package.json"
        descriptor["resources"][0]["$schema"] = f"{address}/resource.json"
        descriptor["resources"][1]["schema"]["profile"] = f"{address}/schema.json"
        path.write_text(json.dumps(descriptor), encoding="utf-8")
        shown = [str(p) for p in data_package_problems(root)]
    finally:
        server.shutdown()
    assert requests == []
    for field in ("1: profile", "resources[0].$schema", "resources[1].schema.profile"):
        assert any(f"{field}: " in line and "is not a profile the book accepts" in line for line in shown), shown


def test_a_formula_behind_a_byte_order_mark_is_published_neutralised(tmp_path):
    """A spreadsheet skips the byte order mark and would run the formula after it."""
    root = knowledge_root(tmp_path)
    source = root / "data" / "life-expectancy.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = next(csv.reader([lines[1]]))
    cells[1] = "\ufeff@SUM(1+1)"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    source.write_bytes(("\ufeff=HYPERLINK(1)," + lines[0].split(",", 1)[1] + out.getvalue()).encode("utf-8"))
    publish(load_package(root), tmp_path / "site")
    published = (tmp_path / "site" / "life-expectancy.csv").read_text(encoding="utf-8")
    assert published.startswith("\ufeff")  # kept: it tells a spreadsheet the file is UTF-8
    rows = list(csv.reader(io.StringIO(published.removeprefix("\ufeff"), newline="")))
    assert rows[0][0] == "'=HYPERLINK(1)" and rows[1][1] == "'\ufeff@SUM(1+1)"
    assert not any(cell.lstrip("\ufeff").startswith(("=", "+", "@")) for row in rows for cell in row)


def test_frictionless_failing_on_a_file_is_a_problem_not_a_traceback(tmp_path, monkeypatch):
    import frictionless

    from evidencebook.records import datacheck_cells

    def fail(self, *args, **kwargs):
        raise RuntimeError("it broke")

    monkeypatch.setattr(frictionless.Resource, "validate", fail)
    monkeypatch.setattr(datacheck_cells, "_CELL_PROBLEMS", {})  # the first check of this package, not a remembered one
    shown = [str(p) for p in data_package_problems(knowledge_root(tmp_path))]
    assert "data/life-expectancy.csv:1: (file): cannot be checked (it broke) — fix the file or its description" in shown
