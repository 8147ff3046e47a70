"""The offline edition's zip (tools/offline.py): the same site gives the same bytes, whatever the files'
times; it holds every file of the site, unchanged, under one folder; and the scripts a page opened from
disk reads instead of the JSON (publish/export.py, data_script) hold exactly the JSON's data."""

from __future__ import annotations

import json
import os
import zipfile

import pytest

from evidencebook.publish.export import check_exports, data_from_script, data_script, write_exports
from evidencebook.records.datasets import DATA_SCRIPT_FILES
from evidencebook.records.kb import load_knowledge_base
from evidencebook.tools.cli import main
from evidencebook.tools.offline import ZIP_TIME, site_files, write_offline_zip, zip_name

from .conftest import ROOT

FILES = {
    "index.html": "<!DOCTYPE html><title>Home</title><a href='cases/index.html'>catalogue</a>",
    "cases/index.html": "<!DOCTYPE html><title>Catalogue</title>",
    "cases/a-case.html": "<p>Ménière \u2028 text</p>",
    "data/catalogue-index.json": '{"records":[]}\n',
    "data/evidence-book.sqlite": bytes(range(256)) * 40,
    "_static/_vendor/vega-bundle.js": "var vega = {};\n" * 500,
    "_static/sub dir/file name.css": "body{}",
}


def make_site(root) -> None:
    for name, content in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def test_the_same_site_gives_the_same_bytes_and_holds_every_file(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    make_site(first)
    make_site(second)  # written later, so other times; and given other times and permissions below
    for path in second.rglob("*"):
        if path.is_file():
            os.utime(path, (1_000_000_000, 1_000_000_000))
            path.chmod(0o600)
    a = write_offline_zip(first, tmp_path / "out" / "a.zip", "2026.12.0")
    b = write_offline_zip(second, tmp_path / "out" / "b.zip", "2026.12.0")
    assert a.read_bytes() == b.read_bytes()
    again = write_offline_zip(first, tmp_path / "out" / "a.zip", "2026.12.0")  # over the first one
    assert again.read_bytes() == b.read_bytes()
    assert not list((tmp_path / "out").glob("*.partial"))

    with zipfile.ZipFile(a) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert names == [f"evidence-book-2026.12.0/{name}" for name in sorted(FILES)]
        for name, content in FILES.items():
            data = archive.read(f"evidence-book-2026.12.0/{name}")
            assert data == (content if isinstance(content, bytes) else content.encode("utf-8")), name
        for info in archive.infolist():
            assert info.date_time == ZIP_TIME
            assert info.external_attr >> 16 == 0o100644
            assert info.compress_type == zipfile.ZIP_DEFLATED
        assert archive.testzip() is None


def test_the_build_markers_a_published_copy_of_the_edition_and_the_pdf_stay_out(tmp_path):
    site = tmp_path / "site"
    make_site(site)
    (site / ".buildinfo").write_text("# Sphinx build info\n")
    (site / ".evidencebook-build.json").write_text('{"site": "digest"}\n')
    (site / "offline").mkdir()
    (site / "offline" / "evidence-book.zip").write_bytes(b"PK old edition")
    (site / "evidence-book.pdf").write_bytes(b"%PDF-1.4 the whole book, downloaded on its own")
    assert site_files(site) == sorted(FILES)


def test_a_symbolic_link_or_a_missing_site_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="make book"):
        write_offline_zip(tmp_path / "nothing", tmp_path / "out.zip", "2026.12.0")
    site = tmp_path / "site"
    make_site(site)
    (site / "link.html").symlink_to(site / "index.html")
    with pytest.raises(ValueError, match="symbolic link"):
        write_offline_zip(site, tmp_path / "out.zip", "2026.12.0")
    assert not (tmp_path / "out.zip").exists()


def test_the_command_names_the_zip_after_the_edition(tmp_path, capsys):
    site = tmp_path / "site"
    make_site(site)
    out = tmp_path / "offline" / zip_name("2026.12.0")
    assert main(["--root", str(ROOT), "offline", "--site", str(site), "--out", str(out)]) == 0
    assert "Wrote" in capsys.readouterr().out and out.is_file()
    assert main(["--root", str(ROOT), "offline", "--site", str(tmp_path / "none"), "--out", str(out)]) == 1
    assert "make book" in capsys.readouterr().err
    assert zip_name("2026.12.0") == "evidence-book-2026.12.0.zip"


@pytest.mark.parametrize("text", ['{"a":"\u2028 and \u2029"}\n', '{"t":"</script><script>alert(1)</script>"}\n', "[]\n"])
def test_a_data_script_holds_its_json_exactly(text):
    script = data_script("catalogue-index.json", text)
    assert script.startswith('window.kbData=window.kbData||{};window.kbData["catalogue-index.json"]=')
    assert "\u2028" not in script and "\u2029" not in script
    assert data_from_script("catalogue-index.json", script) == json.loads(text)
    assert data_from_script("catalogue-text.json", script) is None


def test_the_exports_publish_each_index_as_a_script_too(tmp_path):
    kb = load_knowledge_base(ROOT)
    written = {p.name for p in write_exports(kb, tmp_path)}
    assert set(DATA_SCRIPT_FILES.values()) <= written
    assert check_exports(kb, tmp_path) == []
    for name, script in DATA_SCRIPT_FILES.items():
        data = data_from_script(name, (tmp_path / script).read_text(encoding="utf-8"))
        assert data == json.loads((tmp_path / name).read_text(encoding="utf-8"))
    script = tmp_path / DATA_SCRIPT_FILES["catalogue-index.json"]
    script.write_text(script.read_text(encoding="utf-8").replace('"records":[[', '"records":[["x"],['), encoding="utf-8")
    assert any("catalogue-index.js" in p for p in check_exports(kb, tmp_path))
