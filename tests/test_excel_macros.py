"""macros/: the ribbon XML and the VBA module must fit each other and kpi_xl.

Every button's onAction names a VBA procedure that exists with the ribbon
callback signature; every RunPython string imports a function that exists
in kpi_xl and can be called as the string calls it.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import re

import pytest
from lxml import etree

from kpi_xl.paths import MACROS_DIR

UI = MACROS_DIR / "customUI14.xml"
BAS = MACROS_DIR / "kpi_xl.bas"
NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}
BUTTONS = ["Refresh all", "RAG", "Direction of travel", "Comparators", "Exceptions",
           "Check data", "Settings"]

SUB = re.compile(r"^Sub (\w+)\((.*?)\)\r?$(.*?)^End Sub\r?$", re.M | re.S)
# RunPython "python" or RunPython "python('" & XLWINGS_VERSION & "')": the add-in's xlwings
# version (a constant of its xlwings module) joined into the Python command.
RUN_PYTHON = re.compile(r'^\s*RunPython ("(?:[^"]|"")*"(?: & XLWINGS_VERSION & "(?:[^"]|"")*")*)\s*$',
                        re.M)


def python_command(vba_expression: str, version: str = "0.37.8") -> str:
    """The Python text a RunPython argument gives when XLWINGS_VERSION is ``version``."""
    pieces = re.findall(r'"((?:[^"]|"")*)"', vba_expression)
    return version.join(piece.replace('""', '"') for piece in pieces)


def buttons() -> list[etree._Element]:
    root = etree.parse(str(UI)).getroot()
    return root.findall(".//ui:tab/ui:group/ui:button", NS)


def vba_subs() -> dict[str, tuple[str, str]]:
    text = BAS.read_bytes().decode("ascii")
    return {name: (params, body) for name, params, body in SUB.findall(text)}


def test_the_kpi_tab_has_the_buttons_in_order():
    root = etree.parse(str(UI)).getroot()
    assert root.tag == f"{{{NS['ui']}}}customUI"
    [tab] = root.findall(".//ui:tab", NS)
    assert tab.get("label") == "KPI"
    assert [b.get("label") for b in buttons()] == BUTTONS
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_every_button_names_a_vba_callback_that_exists():
    subs = vba_subs()
    for button in buttons():
        action = button.get("onAction")
        assert action in subs, f"{button.get('label')}: no Sub {action} in {BAS.name}"
        params, _ = subs[action]
        assert params == "control As IRibbonControl", action  # Excel's onAction signature


def python_calls(command: str) -> list[tuple[str, str, int]]:
    """(module, function, number of arguments) for each call in a RunPython
    string of the form "import a.b.c as r; r.f()"."""
    tree = ast.parse(command)
    aliases = {}
    calls = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            calls.append((aliases[func.value.id], func.attr, len(node.value.args)))
        else:
            raise AssertionError(f"unexpected statement in {command!r}")
    return calls


def test_every_run_python_calls_a_kpi_xl_function_that_exists():
    seen = set()
    for name, (_, body) in vba_subs().items():
        commands = [python_command(c) for c in RUN_PYTHON.findall(body)]
        assert len(commands) == 1, f"{name}: expected one RunPython call"
        [(module_name, function_name, n_args)] = python_calls(commands[0])
        assert module_name.startswith("kpi_xl.")
        function = getattr(importlib.import_module(module_name), function_name)
        assert callable(function)
        inspect.signature(function).bind(*range(n_args))  # callable as the string calls it
        seen.add((module_name, function_name))
    assert len(seen) == len(BUTTONS)


def test_every_button_reaches_its_own_ribbon_function():
    subs = vba_subs()
    targets = {}
    for button in buttons():
        _, body = subs[button.get("onAction")]
        [command] = RUN_PYTHON.findall(body)
        targets[button.get("label")] = python_calls(python_command(command))[0][1]
    assert targets == {"Refresh all": "refresh_all", "RAG": "rag", "Direction of travel": "direction",
                       "Comparators": "comparators", "Exceptions": "exceptions",
                       "Check data": "check_data", "Settings": "settings"}


def test_the_vba_module_imports_cleanly_into_excel():
    data = BAS.read_bytes()
    text = data.decode("ascii")  # the VBA editor reads modules in the ANSI code page
    assert text.startswith('Attribute VB_Name = "kpi_xl"\r\n')
    assert "\n" not in data.replace(b"\r\n", b"").decode("ascii")  # CRLF line endings only
    assert text.count("\r\nSub ") == text.count("\r\nEnd Sub") == len(BUTTONS)
    assert "Option Explicit" in text


@pytest.mark.parametrize("function", ["refresh_all", "rag", "direction", "comparators",
                                      "exceptions", "check_data", "settings"])
def test_ribbon_functions_take_only_the_addins_xlwings_version(function):
    from kpi_xl.excel import ribbon

    [(name, parameter)] = list(inspect.signature(getattr(ribbon, function)).parameters.items())[:1]
    assert name == "vba_xlwings" and parameter.default is None


def test_every_callback_passes_the_addins_xlwings_version():
    for name, (_, body) in vba_subs().items():
        [command] = RUN_PYTHON.findall(body)
        assert "XLWINGS_VERSION" in command, name
        assert "('9.9.9')" in python_command(command, "9.9.9"), name
