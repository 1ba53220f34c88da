"""Build and install ``kpi_xl.xlam``, the Excel add-in with the KPI ribbon tab.

Build: the ribbon add-in template shipped inside the installed xlwings
package (``quickstart_addin_ribbon.xlam``), so its VBA (RunPython and the
xlwings runtime) matches the Python package's version, with our ribbon
(``customUI14.xml``) in place of the template's and our ribbon callbacks
(``kpi_xl.bas``) written into its VBA project as the module ``kpi_xl``
(:mod:`kpi_xl.excel.ovba`). Both are made from the list of buttons in
:mod:`kpi_xl.excel.buttons` (``macros/`` holds the same texts, for reading). The package is patched as a
zip: the template's ribbon part is dropped, ours is added with its
relationship in ``_rels/.rels``, ``xl/vbaProject.bin`` gains our module and
every other part is copied byte for byte. So the add-in works when it is
simply opened: no VBA-editor import, no trust setting.

Install: copy the add-in to the user's add-ins folder, point the add-in's
xlwings configuration at this Python and at ``kpi_xl.excel.udfs``, and import the
worksheet functions through xlwings (that import needs "Trust access to the
VBA project object model"; the ribbon does not).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import KpiError, Place, WriteError
from ..xlsx.namespaces import CUSTOM_UI_NS, PKG_REL_NS, UI_REL_2007, UI_REL_2010
from ..xlsx.safety import parse_xml
from .buttons import VBA_MODULE_NAME, custom_ui_xml, vba_module

ADDIN_NAME = "kpi_xl.xlam"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
CUSTOM_UI_PART = "customUI/customUI14.xml"
VBA_PART = "xl/vbaProject.bin"
RELS_PART = "_rels/.rels"

PKG_RELS_NS = PKG_REL_NS
UI_REL_TYPES = (UI_REL_2010, UI_REL_2007)

# The template's VBA reads its settings from this xlwings config file
# (the template's PROJECT_NAME is "myaddin"; we keep its VBA unchanged).
XLWINGS_PROJECT_NAME = "myaddin"
UDF_MODULE = "kpi_xl.excel.udfs"


def template_path() -> Path:
    """The ribbon add-in template inside the installed xlwings package."""
    import xlwings

    path = Path(os.path.dirname(xlwings.__file__)) / TEMPLATE_NAME
    if not path.is_file():
        raise KpiError(f"xlwings {xlwings.__version__} does not ship {TEMPLATE_NAME}; "
                       "install xlwings >= 0.22", Place(file=str(path)))
    return path


# --- build ---------------------------------------------------------------------------------

def build_addin(output: str | Path | None = None, *, template: Path | None = None,
                custom_ui: Path | None = None) -> Path:
    """Write ``kpi_xl.xlam`` (to ``output``, default ./kpi_xl.xlam); returns its path.
    The ribbon is the buttons' own unless ``custom_ui`` names another file."""
    template = Path(template) if template else template_path()
    output = Path(output) if output else Path.cwd() / ADDIN_NAME
    ui_bytes = read_custom_ui(Path(custom_ui)) if custom_ui else \
        checked_custom_ui(custom_ui_xml(), "customUI14.xml", "kpi_xl.excel.buttons")
    module = vba_module()
    with zipfile.ZipFile(template) as source:
        parts = patched_parts(source, ui_bytes, str(template))
        parts = [(info, with_module(data, module, str(template)) if info.filename == VBA_PART
                  else data) for info, data in parts]
    write_zip_atomically(output, parts)
    return output


def read_custom_ui(path: Path) -> bytes:
    """Our ribbon XML, refused unless it is a customUI of Office 2010 or later."""
    if not path.is_file():
        raise KpiError("ribbon XML not found", Place(file=str(path)))
    return checked_custom_ui(path.read_bytes(), path.name, path)


def checked_custom_ui(data: bytes, name: str, where) -> bytes:
    """``data`` when it parses safely as a customUI of Office 2010 or later."""
    root = parse_xml(data, name, where)
    if root.tag != f"{{{CUSTOM_UI_NS}}}customUI":
        raise KpiError(f"expected a <customUI> in the namespace {CUSTOM_UI_NS}",
                       Place(file=str(where)))
    return data


def with_module(vba_project: bytes, source: str, where: str) -> bytes:
    """The template's vbaProject.bin with our module written into it."""
    from .ovba import add_module

    try:
        return add_module(vba_project, VBA_MODULE_NAME, source)
    except (ValueError, OSError) as exc:
        raise KpiError(f"cannot add the ribbon callbacks to the template's VBA project: {exc}",
                       Place(file=f"{where}!{VBA_PART}")) from None


def patched_parts(source: zipfile.ZipFile, ui_bytes: bytes, where: str
                  ) -> list[tuple[zipfile.ZipInfo, bytes]]:
    """The template's parts, in order, with the ribbon part swapped for ours."""
    rels_info = source.getinfo(RELS_PART)
    rels = parse_xml(source.read(RELS_PART), RELS_PART, where)
    old_ui_parts = drop_ui_relationships(rels)
    add_relationship(rels, UI_REL_2010, CUSTOM_UI_PART)
    parts: list[tuple[zipfile.ZipInfo, bytes]] = []
    for info in source.infolist():
        if info.filename in old_ui_parts or info.filename == CUSTOM_UI_PART:
            continue
        data = source.read(info.filename)
        if info.filename == RELS_PART:
            data = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
        parts.append((_copy_info(info), data))
    ui_info = zipfile.ZipInfo(CUSTOM_UI_PART, date_time=rels_info.date_time)
    ui_info.compress_type = zipfile.ZIP_DEFLATED
    parts.append((ui_info, ui_bytes))
    return parts


def drop_ui_relationships(rels: etree._Element) -> set[str]:
    """Remove the package's ribbon relationships; returns the parts they named."""
    dropped = set()
    for rel in list(rels):
        if rel.get("Type") in UI_REL_TYPES:
            dropped.add(rel.get("Target", "").lstrip("/"))
            rels.remove(rel)
    return dropped


def add_relationship(rels: etree._Element, rel_type: str, target: str) -> str:
    taken = {rel.get("Id") for rel in rels}
    n = 1
    while f"rId{n}" in taken:
        n += 1
    rel_id = f"rId{n}"
    etree.SubElement(rels, f"{{{PKG_RELS_NS}}}Relationship",
                     {"Id": rel_id, "Type": rel_type, "Target": target})
    return rel_id


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """The member's name, date and compression, nothing host-specific."""
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    return copy


def write_zip_atomically(output: Path, parts: list[tuple[zipfile.ZipInfo, bytes]]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kpi_xl-", suffix=".xlam", dir=output.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as target:
            for info, data in parts:
                target.writestr(info, data)
        os.replace(tmp, output)
    except OSError as exc:
        raise WriteError(f"cannot write the add-in: {exc.strerror or exc}",
                         Place(file=str(output))) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --- install ---------------------------------------------------------------------------------

@dataclass
class InstallResult:
    addin: Path
    xlwings_config: Path | None = None
    udfs_imported: bool = False
    udfs_expected: bool = True  # Excel for Windows only
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False when part of the install failed (the CLI then exits 1)."""
        return self.udfs_imported or not self.udfs_expected

    def as_text(self) -> str:
        lines = [f"installed {self.addin} (ribbon callbacks inside)"]
        if self.xlwings_config:
            lines.append(f"xlwings settings for the add-in: {self.xlwings_config}")
        if self.udfs_expected:
            lines.append("worksheet functions imported" if self.udfs_imported
                         else "FAILED: worksheet functions NOT imported (see below)")
        lines.extend(self.notes)
        return "\n".join(lines)


def host() -> str:
    if sys.platform.startswith("win"):
        return "win"
    return "mac" if sys.platform == "darwin" else "linux"


def require_excel_host(platform: str | None = None) -> str:
    platform = platform or host()
    if platform not in ("win", "mac"):
        raise KpiError("kpi-xl addin install needs Excel on Windows or macOS; here, run "
                       "'kpi-xl addin build' and copy kpi_xl.xlam to a Windows or Mac machine")
    return platform


def windows_addins_folder(environ: dict | None = None) -> Path:
    """%APPDATA%\\Microsoft\\AddIns, Excel's folder for the user's add-ins."""
    env = os.environ if environ is None else environ
    appdata = env.get("APPDATA")
    if not appdata:
        raise KpiError("APPDATA is not set, so the add-ins folder is unknown")
    return Path(appdata) / "Microsoft" / "AddIns"


def xlwings_config_file(platform: str, home: Path | None = None) -> Path:
    """Where the template's VBA reads its user settings (GetConfigFilePath)."""
    home = home or Path.home()
    if platform == "mac":
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / \
            f"{XLWINGS_PROJECT_NAME}.conf"
    return home / f".{XLWINGS_PROJECT_NAME}" / f"{XLWINGS_PROJECT_NAME}.conf"


def wanted_settings(platform: str, interpreter: str) -> tuple[dict[str, str], dict[str, str]]:
    """(settings every install writes, settings written only when absent).

    Always: this Python (a reinstall from another Python or venv must move the
    add-in to it), the UDF module and, on Windows, xlwings' UDF server for
    RunPython too, so clicks after the first reuse one Python process.
    When absent: do not put the workbook's folder on sys.path; kpi_xl is
    installed, and xlwings would first try to map a OneDrive or SharePoint
    URL, failing with a traceback before kpi-xl can say anything.
    """
    always = {f"INTERPRETER_{'MAC' if platform == 'mac' else 'WIN'}": interpreter,
              "UDF MODULES": UDF_MODULE}
    if platform == "win":
        always["USE UDF SERVER"] = "True"
    return always, {"ADD_WORKBOOK_TO_PYTHONPATH": "False"}


def write_xlwings_config(path: Path, platform: str, interpreter: str) -> dict[str, str]:
    """Write our settings into the add-in's xlwings settings file, keeping the
    council's other settings; returns what changed (key -> new value)."""
    always, defaults = wanted_settings(platform, interpreter)
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    present, kept = {}, []
    for line in lines:
        key, value = _setting(line)
        if key:
            present[key] = value
        if key not in always:
            kept.append(line)
    ours = {**always, **{k: v for k, v in defaults.items() if k not in present}}
    kept += [f'"{key}","{value}"' for key, value in ours.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return {key: value for key, value in ours.items() if present.get(key) != value}


def _setting(line: str) -> tuple[str, str]:
    """("KEY", "value") of a line "KEY","value" of an xlwings .conf file; ("", "") else."""
    if "," not in line:
        return "", ""
    key, value = line.split(",", 1)
    return key.strip().strip('"').upper(), value.strip().strip('"')


def windowed_interpreter() -> str:
    """pythonw.exe beside python.exe on Windows (no console window per click)."""
    exe = Path(sys.executable)
    quiet = exe.with_name("pythonw.exe")
    return str(quiet if quiet.is_file() else exe)


def install_addin(source: str | Path | None = None, *, platform: str | None = None
                  ) -> InstallResult:
    """Copy the add-in into place, configure it, import the worksheet functions."""
    platform = require_excel_host(platform)
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(source) if source else build_addin(Path(tmp) / ADDIN_NAME)
        folder = windows_addins_folder() if platform == "win" else mac_startup_folder()
        target = folder / ADDIN_NAME
        folder.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(built, target)
        except OSError as exc:
            raise WriteError(f"cannot copy the add-in ({exc.strerror or exc}); if Excel has "
                             "it open, quit Excel and try again", Place(file=str(target))) from None
    config = xlwings_config_file(platform)
    interpreter = windowed_interpreter() if platform == "win" else sys.executable
    changed = write_xlwings_config(config, platform, interpreter)
    result = InstallResult(target, config, udfs_expected=platform == "win")
    for key, value in changed.items():
        result.notes.append(f"set {key} = {value}")
    if platform == "win":
        register_windows(target, result)
    else:
        result.notes.append("macOS: worksheet functions are an xlwings feature of Windows only; "
                            "the ribbon works")
        _install_runpython_mac(result)
    return result


def mac_startup_folder() -> Path:
    """Excel's startup folder on macOS, as xlwings installs its own add-in."""
    import xlwings as xw

    if xw.apps:
        return Path(xw.apps.active.startup_path)
    with xw.App(visible=False) as app:
        return Path(app.startup_path)


def _install_runpython_mac(result: InstallResult) -> None:
    """RunPython on macOS needs xlwings' AppleScript in Excel's script folder."""
    from xlwings.cli import runpython_install

    runpython_install(None)
    result.notes.append("RunPython enabled for Excel (xlwings AppleScript installed)")


def register_windows(target: Path, result: InstallResult) -> None:
    """Open the add-in in a hidden Excel, import the worksheet functions, save,
    and register the add-in so it loads at start."""
    import xlwings as xw

    problem = udf_import_problem(sys.executable)
    if problem:
        result.notes.append(problem)
    with xw.App(visible=False, add_book=False) as app:
        if not problem:
            book = app.books.open(str(target))
            try:
                result.udfs_imported = _import_udfs(book, result)
                if result.udfs_imported:
                    book.save()
            finally:
                book.close()
        addin = app.api.AddIns.Add(str(target))
        addin.Installed = True


def udf_import_problem(python: str) -> str | None:
    """Import the UDF module in a fresh Python first: if it fails there,
    xlwings' import in the hidden Excel would show its error box, which nobody
    sees, and report nothing to us."""
    import subprocess

    done = subprocess.run([python, "-c", f"import {UDF_MODULE}"], capture_output=True, text=True,
                          timeout=300)
    if done.returncode == 0:
        return None
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return (f"worksheet functions: Python cannot import {UDF_MODULE} ({last[:160]}); "
            "reinstall kpi-xl in this Python (pip install --force-reinstall kpi-xl), then run "
            "'kpi-xl addin install' again")


def _vba_components(book):
    try:
        return book.api.VBProject.VBComponents
    except Exception as exc:  # noqa: BLE001 - pywintypes.com_error
        raise KpiError("Excel refused access to the add-in's VBA project, which importing the "
                       "worksheet functions needs: turn on File > Options > Trust Center > "
                       "Trust Center Settings > Macro Settings > 'Trust access to the VBA "
                       "project object model', run 'kpi-xl addin install' again, then turn it "
                       f"off [{' '.join(str(exc).split())[:120]}]") from None


def _import_udfs(book, result: InstallResult) -> bool:
    """xlwings writes the VBA wrappers of the worksheet functions into the
    add-in (its ImportPythonUDFsToAddin macro, reading "UDF Modules"); success
    is the module ``xlwings_udfs`` in the project afterwards, not the absence
    of an exception."""
    try:
        components = _vba_components(book)
    except KpiError as exc:
        result.notes.append(str(exc))
        return False
    try:
        book.macro("ImportPythonUDFsToAddin")()
    except Exception as exc:  # noqa: BLE001 - reported below with what to do
        result.notes.append("worksheet functions: xlwings' import failed (" +
                            " ".join(str(exc).split())[:120] + "); run 'kpi-xl addin install' "
                            "again, or in the VBA editor run ImportPythonUDFsToAddin in the "
                            "xlwings module of kpi_xl.xlam")
        return False
    names = {components.Item(i).Name for i in range(1, components.Count + 1)}
    if "xlwings_udfs" not in names:
        result.notes.append("worksheet functions: xlwings reported no error but added no "
                            "functions; check that 'UDF Modules' is kpi_xl.excel.udfs in "
                            f"{xlwings_config_file('win')} and run 'kpi-xl addin install' again")
        return False
    return True
