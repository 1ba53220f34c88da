"""Build and install ``kpi_xl.xlam``, the Excel add-in with the KPI ribbon tab.

Build: the ribbon add-in template shipped inside the installed xlwings
package (``quickstart_addin_ribbon.xlam``), so its VBA (RunPython and the
xlwings runtime) matches the Python package's version, with our
``customUI14.xml`` in place of the template's ribbon. The package is patched
as a zip: the template's ribbon part is dropped, ours is added with its
relationship in ``_rels/.rels``, every other part is copied byte for byte.
No VBA binary is generated: ``xl/vbaProject.bin`` is the template's.

Install: copy the add-in to the user's add-ins folder, point the add-in's
xlwings configuration at this Python and at ``kpi_xl.udfs``, and import the
ribbon callbacks (``macros/kpi_xl.bas``) into the add-in's VBA project
through xlwings. Excel must allow that ("Trust access to the VBA project
object model"); where it is locked down the import is done by hand
(macros/README.md).
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
from ..paths import MACROS_DIR
from ..xlsx.safety import parse_xml

ADDIN_NAME = "kpi_xl.xlam"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
CUSTOM_UI_SOURCE = "customUI14.xml"
VBA_MODULE_SOURCE = "kpi_xl.bas"
VBA_MODULE_NAME = "kpi_xl"
CUSTOM_UI_PART = "customUI/customUI14.xml"
VBA_PART = "xl/vbaProject.bin"
RELS_PART = "_rels/.rels"

PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Office 2010+ ribbon (customUI14.xml) and Office 2007 ribbon (customUI.xml).
UI_REL_2010 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
UI_REL_2007 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
UI_REL_TYPES = (UI_REL_2010, UI_REL_2007)
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2009/07/customui"

# The template's VBA reads its settings from this xlwings config file
# (the template's PROJECT_NAME is "myaddin"; we keep its VBA unchanged).
XLWINGS_PROJECT_NAME = "myaddin"
UDF_MODULE = "kpi_xl.udfs"


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
    """Write ``kpi_xl.xlam`` (to ``output``, default ./kpi_xl.xlam); returns its path."""
    template = Path(template) if template else template_path()
    custom_ui = Path(custom_ui) if custom_ui else MACROS_DIR / CUSTOM_UI_SOURCE
    output = Path(output) if output else Path.cwd() / ADDIN_NAME
    ui_bytes = read_custom_ui(custom_ui)
    with zipfile.ZipFile(template) as source:
        parts = patched_parts(source, ui_bytes, str(template))
    write_zip_atomically(output, parts)
    return output


def read_custom_ui(path: Path) -> bytes:
    """Our ribbon XML, refused unless it is a customUI of Office 2010 or later."""
    if not path.is_file():
        raise KpiError("ribbon XML not found", Place(file=str(path)))
    data = path.read_bytes()
    root = parse_xml(data, path.name, path)
    if root.tag != f"{{{CUSTOM_UI_NS}}}customUI":
        raise KpiError(f"expected a <customUI> in the namespace {CUSTOM_UI_NS}",
                       Place(file=str(path)))
    return data


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
    vba_imported: bool = False
    udfs_imported: bool = False
    notes: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        lines = [f"installed {self.addin}"]
        if self.xlwings_config:
            lines.append(f"xlwings settings for the add-in: {self.xlwings_config}")
        lines.append("ribbon callbacks imported" if self.vba_imported
                     else "ribbon callbacks NOT imported: see macros/README.md")
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


def write_xlwings_config(path: Path, platform: str, interpreter: str) -> dict[str, str]:
    """Add this Python and the UDF module to the add-in's xlwings settings,
    keeping any setting already there (a council may point elsewhere)."""
    wanted = {f"INTERPRETER_{'MAC' if platform == 'mac' else 'WIN'}": interpreter,
              "UDF MODULES": UDF_MODULE}
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    present = {line.split(",", 1)[0].strip().strip('"').upper() for line in lines if "," in line}
    added = {key: value for key, value in wanted.items() if key.upper() not in present}
    lines += [f'"{key}","{value}"' for key, value in added.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return added


def windowed_interpreter() -> str:
    """pythonw.exe beside python.exe on Windows (no console window per click)."""
    exe = Path(sys.executable)
    quiet = exe.with_name("pythonw.exe")
    return str(quiet if quiet.is_file() else exe)


def install_addin(source: str | Path | None = None, *, platform: str | None = None
                  ) -> InstallResult:
    """Copy the add-in into place, configure it, import the ribbon callbacks."""
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
    write_xlwings_config(config, platform,
                         windowed_interpreter() if platform == "win" else sys.executable)
    result = InstallResult(target, config)
    if platform == "win":
        import_vba_windows(target, result)
    else:
        result.notes.append("macOS: Excel cannot import VBA from a script here; import "
                            "macros/kpi_xl.bas by hand (macros/README.md)")
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


def import_vba_windows(target: Path, result: InstallResult) -> None:
    """Open the add-in in a hidden Excel, replace our VBA module, import the
    worksheet functions, save, and register the add-in so it loads at start."""
    import xlwings as xw

    bas = MACROS_DIR / VBA_MODULE_SOURCE
    with xw.App(visible=False, add_book=False) as app:
        book = app.books.open(str(target))
        try:
            components = _vba_components(book)
            _remove_component(components, VBA_MODULE_NAME)
            components.Import(str(bas))
            result.vba_imported = True
            result.udfs_imported = _import_udfs(book, result)
            book.save()
        finally:
            book.close()
        addin = app.api.AddIns.Add(str(target))
        addin.Installed = True


def _vba_components(book):
    try:
        return book.api.VBProject.VBComponents
    except Exception as exc:  # noqa: BLE001 - pywintypes.com_error
        raise KpiError("Excel refused access to the add-in's VBA project: turn on File > "
                       "Options > Trust Center > Trust Center Settings > Macro Settings > "
                       "'Trust access to the VBA project object model', or import "
                       f"macros/{VBA_MODULE_SOURCE} by hand (macros/README.md) "
                       f"[{' '.join(str(exc).split())[:120]}]") from None


def _remove_component(components, name: str) -> None:
    """Reinstalling replaces the module instead of adding 'kpi_xl1'."""
    for index in range(components.Count, 0, -1):
        component = components.Item(index)
        if component.Name == name:
            components.Remove(component)


def _import_udfs(book, result: InstallResult) -> bool:
    """xlwings writes the VBA wrappers of the worksheet functions into the
    add-in (its ImportPythonUDFsToAddin macro, reading "UDF Modules")."""
    try:
        book.macro("ImportPythonUDFsToAddin")()
        return True
    except Exception as exc:  # noqa: BLE001 - the ribbon still works without UDFs
        result.notes.append("worksheet functions not imported (" +
                            " ".join(str(exc).split())[:120] + "): in the VBA editor, run "
                            "ImportPythonUDFsToAddin in the xlwings module of kpi_xl.xlam")
        return False
