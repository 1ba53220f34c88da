"""kpi-xl addin build / install.

The build patches the ribbon add-in template shipped inside the installed
xlwings: the package must pass the writer's integrity check, hold our
customUI and keep the xlwings VBA modules (and every other part) byte for
byte, and its VBA project gains our module (read back with oletools and
olefile, which share no code with the writer). Install needs Excel, so here
only its refusal and its pure helpers run.
"""
from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import olefile
import pytest
from lxml import etree
from oletools.olevba import VBA_Parser
from typer.testing import CliRunner

from kpi_xl.cli import app
from kpi_xl.errors import KpiError
from kpi_xl.excel import addin
from kpi_xl.paths import MACROS_DIR
from kpi_xl.xlsx.integrity import check_package

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


def test_every_other_part_is_unchanged(built):
    template, got = parts(addin.template_path()), parts(built)
    replaced = {"_rels/.rels", "customUI/customUI.xml", addin.VBA_PART}
    assert set(got) == (set(template) - {"customUI/customUI.xml"}) | {addin.CUSTOM_UI_PART}
    for name in set(template) - replaced:
        assert got[name] == template[name], name
    # the other package relationships are the template's, untouched
    before = etree.fromstring(template["_rels/.rels"])
    after = etree.fromstring(got["_rels/.rels"])
    keep = lambda root: sorted((r.get("Id"), r.get("Type"), r.get("Target")) for r in root
                               if r.get("Type") not in addin.UI_REL_TYPES)
    assert keep(after) == keep(before)


def streams(vba_project: bytes) -> dict[str, bytes]:
    ole = olefile.OleFileIO(vba_project, raise_defects=olefile.DEFECT_INCORRECT)
    try:
        return {"/".join(p): ole.openstream(p).read() for p in ole.listdir()}
    finally:
        ole.close()


def test_the_xlwings_vba_is_kept_and_our_module_added(built):
    """Every stream of the template's VBA project is kept byte for byte, except
    the four that list modules or hold the compiled-cache header."""
    before = streams(parts(addin.template_path())[addin.VBA_PART])
    after = streams(parts(built)[addin.VBA_PART])
    changed = {"PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT"}
    assert set(after) == set(before) | {"VBA/kpi_xl"}
    for name in set(before) - changed:
        assert after[name] == before[name], name
    assert after["VBA/_VBA_PROJECT"] == bytes.fromhex("cc61ffff000100")  # recompile from source
    assert b"\r\nModule=kpi_xl\r\n" in after["PROJECT"]


def on_actions(built: Path) -> list[str]:
    ui = etree.fromstring(parts(built)[addin.CUSTOM_UI_PART])
    return [e.get("onAction") for e in ui.iter() if e.get("onAction")]


def test_olevba_finds_a_sub_for_every_on_action_each_calling_python(built):
    """oletools reads the add-in on its own (its own OLE and MS-OVBA code)."""
    parser = VBA_Parser(str(built))
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert {"ThisWorkbook.cls", "xlwings.bas", "kpi_xl.bas"} <= set(modules)
    ours = modules["kpi_xl.bas"].replace("\r\n", "\n")
    assert ours == (MACROS_DIR / "kpi_xl.bas").read_bytes().decode("ascii").replace("\r\n", "\n")
    actions = on_actions(built)
    assert len(actions) == 7
    for action in actions:
        sub = re.search(rf"^Sub {action}\(control As IRibbonControl\)\n(.*?)^End Sub$", ours,
                        re.M | re.S)
        assert sub, f"no Sub {action} in the add-in's VBA"
        assert re.search(r'^\s*RunPython "import kpi_xl\.excel\.ribbon as r; r\.\w+\(',
                         sub.group(1), re.M), action
    # RunPython and XLWINGS_VERSION, which our module calls, are in the add-in's xlwings module
    assert "Public Function RunPython(" in modules["xlwings.bas"]
    assert re.search(r'Public Const XLWINGS_VERSION As String = "[\d.]+"', modules["xlwings.bas"])


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
    assert added == {"INTERPRETER_WIN": r"C:\Python311\pythonw.exe", "UDF MODULES": "kpi_xl.excel.udfs",
                     "USE UDF SERVER": "True", "ADD_WORKBOOK_TO_PYTHONPATH": "False"}
    conf.write_text('"ONEDRIVE_COMMERCIAL_WIN","D:\\OneDrive - Council"\n'
                    '"ADD_WORKBOOK_TO_PYTHONPATH","True"\n', encoding="utf-8")
    addin.write_xlwings_config(conf, "win", r"C:\Python311\pythonw.exe")
    assert conf.read_text(encoding="utf-8").splitlines() == [
        '"ONEDRIVE_COMMERCIAL_WIN","D:\\OneDrive - Council"', '"ADD_WORKBOOK_TO_PYTHONPATH","True"',
        '"INTERPRETER_WIN","C:\\Python311\\pythonw.exe"', '"UDF MODULES","kpi_xl.excel.udfs"',
        '"USE UDF SERVER","True"']


def test_a_reinstall_moves_the_addin_to_this_python(tmp_path):
    conf = tmp_path / ".myaddin" / "myaddin.conf"
    addin.write_xlwings_config(conf, "win", r"C:\old\venv\Scripts\pythonw.exe")
    changed = addin.write_xlwings_config(conf, "win", r"C:\new\venv\Scripts\pythonw.exe")
    assert changed == {"INTERPRETER_WIN": r"C:\new\venv\Scripts\pythonw.exe"}
    text = conf.read_text(encoding="utf-8")
    assert "old" not in text and text.count("INTERPRETER_WIN") == 1
    assert addin.write_xlwings_config(conf, "win", r"C:\new\venv\Scripts\pythonw.exe") == {}


def test_the_mac_settings_do_not_turn_on_the_udf_server(tmp_path):
    conf = tmp_path / "myaddin.conf"
    assert set(addin.write_xlwings_config(conf, "mac", "/usr/bin/python3")) == {
        "INTERPRETER_MAC", "UDF MODULES", "ADD_WORKBOOK_TO_PYTHONPATH"}


def test_a_udf_module_python_cannot_import_is_reported_with_what_to_do(tmp_path):
    assert addin.udf_import_problem(sys.executable) is None
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho \"ModuleNotFoundError: No module named 'kpi_xl'\" >&2\n"
                      "exit 1\n", encoding="utf-8")
    broken.chmod(0o755)
    problem = addin.udf_import_problem(str(broken))
    assert "No module named 'kpi_xl'" in problem and "kpi-xl addin install" in problem


def test_an_install_without_worksheet_functions_is_a_failure():
    failed = addin.InstallResult(Path("kpi_xl.xlam"), udfs_imported=False, notes=["why"])
    assert not failed.ok and "FAILED" in failed.as_text() and "why" in failed.as_text()
    assert addin.InstallResult(Path("kpi_xl.xlam"), udfs_imported=True).ok
    assert addin.InstallResult(Path("kpi_xl.xlam"), udfs_expected=False).ok
