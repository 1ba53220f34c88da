"""Every name the OOXML layer spells out, declared once: XML namespaces,
relationship types, content types, and the hidden defined names kpi-xl keeps
in a workbook. The reader, the package writer, the live writer and the add-in
build import them from here (no lxml, so importing this costs nothing).
"""
from __future__ import annotations

# ------------------------------------------------------------ XML namespaces
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_OFFICE = "application/vnd.openxmlformats-officedocument."  # most content types start so
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"  # Strict OOXML, refused
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# The add-in's ribbon: Office 2010+ (customUI14.xml) and Office 2007 (customUI.xml).
UI_REL_2010 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
UI_REL_2007 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"

# --------------------------------------------------------- relationship types
REL_WORKSHEET = R_NS + "/worksheet"
REL_CHARTSHEET = R_NS + "/chartsheet"
REL_STYLES = R_NS + "/styles"
REL_SHARED_STRINGS = R_NS + "/sharedStrings"
REL_CALC_CHAIN = R_NS + "/calcChain"
REL_DRAWING = R_NS + "/drawing"
REL_CHART = R_NS + "/chart"
REL_TABLE = R_NS + "/table"
REL_EXTENDED_PROPERTIES = R_NS + "/extended-properties"
OFFICE_DOCUMENT_TYPES = {  # the package relationship to the workbook part
    R_NS + "/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
}

# -------------------------------------------------------------- content types
CT_WORKSHEET = _OFFICE + "spreadsheetml.worksheet+xml"
CT_SHARED_STRINGS = _OFFICE + "spreadsheetml.sharedStrings+xml"
CT_STYLES = _OFFICE + "spreadsheetml.styles+xml"
CT_DRAWING = _OFFICE + "drawing+xml"
CT_CHART = _OFFICE + "drawingml.chart+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

# ------------------------------------------ kpi-xl's hidden defined names
# Sheet-scoped and hidden, so they survive renames, moves and re-saves in
# Excel; both writers (xlsx/writer.py and excel/live_writer.py) use them.
OWNED_NAME = "_kpixl_owned"  # the role of a sheet kpi-xl owns, e.g. "exceptions"
# What kpi-xl last wrote on an owned sheet: "sheetId|refs|digest". Copying a
# sheet in Excel copies its names too, but the copy gets a new sheetId; a
# sheet whose kpi-xl cells no longer hold what kpi-xl wrote is the user's.
SIG_NAME = "_kpixl_owned_sig"
CF_NAME = "_kpixl_cf"  # ranges and fingerprints of kpi-xl's conditional formats
PRINT_TITLES = "_xlnm.Print_Titles"
