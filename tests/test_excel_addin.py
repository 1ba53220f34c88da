"""kpi-xl addin build / install.

The build patches the ribbon add-in template shipped inside the installed
xlwings: the package must pass the writer's integrity check, hold our
customUI and keep the xlwings VBA project (and every other part) byte for
byte. Install needs Excel, so here only its refusal and its pure helpers run.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from kpi_xl.cli import _register_commands, app
from kpi_xl.errors import KpiError
from kpi_xl.excel import addin
from kpi_xl.paths import MACROS_DIR
from kpi_xl.xlsx.integrity import check_package

_register_commands()
runner = CliRunner()
RELS_NS = {"r": "http://schemas.openxmlformats.org/package/2006/relationships"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("addin") / "dist" / "kpi_xl.xlam"
    result = runner.invoke(app, ["addin", "build", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"built {out}"
    return out


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def test_the_template_comes_from_the_installed_xlwings():
    import xlwings

    path = addin.template_path()
    assert path.parent == Path(xlwings.__file__).parent and path.name == addin.TEMPLATE_NAME


def test_the_addin_passes_the_integrity_check(built):
    assert check_package(built) == []
    # against the template, the only change is the ribbon part we replaced
    assert check_package(built, addin.template_path()) == [
        "part customUI/customUI.xml was lost"]


def test_the_addin_holds_our_ribbon(built):
    got = parts(built)
    assert got[addin.CUSTOM_UI_PART] == (MACROS_DIR / "customUI14.xml").read_bytes()
    rels = etree.fromstring(got["_rels/.rels"])
    ui = [r for r in rels.findall("r:Relationship", RELS_NS) if r.get("Type") in addin.UI_REL_TYPES]
    assert [(r.get("Type"), r.get("Target")) for r in ui] == [
        (addin.UI_REL_2010, addin.CUSTOM_UI_PART)]
    ids = [r.get("Id") for r in rels]
    assert len(ids) == len(set(ids))
    assert all(r.get("Target").lstrip("/") in got for r in rels)


def test_the_xlwings_vba_and_every_other_part_are_unchanged(built):
    template, got = parts(addin.template_path()), parts(built)
    assert got[addin.VBA_PART] == template[addin.VBA_PART]
    replaced = {"_rels/.rels", "customUI/customUI.xml"}
    assert set(got) == (set(template) - {"customUI/customUI.xml"}) | {addin.CUSTOM_UI_PART}
    for name in set(template) - replaced:
        assert got[name] == template[name], name
    # the other package relationships are the template's, untouched
    before = etree.fromstring(template["_rels/.rels"])
    after = etree.fromstring(got["_rels/.rels"])
    keep = lambda root: sorted((r.get("Id"), r.get("Type"), r.get("Target")) for r in root
                               if r.get("Type") not in addin.UI_REL_TYPES)
    assert keep(after) == keep(before)


def test_the_build_is_reproducible(built, tmp_path):
    again = addin.build_addin(tmp_path / "again.xlam")
    assert again.read_bytes() == built.read_bytes()


def test_a_ribbon_of_the_wrong_kind_is_refused(tmp_path):
    old = tmp_path / "customUI.xml"
    old.write_text('<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui"/>',
                   encoding="utf-8")
    with pytest.raises(KpiError, match="2009/07/customui"):
        addin.build_addin(tmp_path / "x.xlam", custom_ui=old)
    assert not (tmp_path / "x.xlam").exists()


def test_install_without_excel_is_one_clear_line():
    result = runner.invoke(app, ["addin", "install"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "needs Excel on Windows or macOS" in result.output
    with pytest.raises(KpiError):
        addin.require_excel_host("linux")


def test_the_windows_addins_folder():
    folder = addin.windows_addins_folder({"APPDATA": r"C:\Users\pi\AppData\Roaming"})
    assert folder == Path(r"C:\Users\pi\AppData\Roaming") / "Microsoft" / "AddIns"
    with pytest.raises(KpiError, match="APPDATA"):
        addin.windows_addins_folder({})


def test_the_addins_xlwings_settings_file(tmp_path):
    assert addin.xlwings_config_file("win", tmp_path) == tmp_path / ".myaddin" / "myaddin.conf"
    assert addin.xlwings_config_file("mac", tmp_path) == \
        tmp_path / "Library/Containers/com.microsoft.Excel/Data/myaddin.conf"


def test_install_adds_our_settings_and_keeps_the_councils(tmp_path):
    conf = tmp_path / ".myaddin" / "myaddin.conf"
    added = addin.write_xlwings_config(conf, "win", r"C:\Python311\pythonw.exe")
    assert added == {"INTERPRETER_WIN": r"C:\Python311\pythonw.exe", "UDF MODULES": "kpi_xl.udfs"}
    conf.write_text('"INTERPRETER_WIN","D:\\council\\python.exe"\n', encoding="utf-8")
    addin.write_xlwings_config(conf, "win", r"C:\Python311\pythonw.exe")
    assert conf.read_text(encoding="utf-8").splitlines() == [
        '"INTERPRETER_WIN","D:\\council\\python.exe"', '"UDF MODULES","kpi_xl.udfs"']
