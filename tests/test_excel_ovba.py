"""MS-OVBA compression and the compound-file writer, checked against
independent readers: oletools' decompressor and olefile's CFB parser (with
every structural defect raised), plus the red-black rule of MS-CFB 2.6.4."""
from __future__ import annotations

import os
import zipfile

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import decompress_stream

from kpi_xl.excel import addin, ovba

TEXTS = st.one_of(st.binary(max_size=9000),
                  st.text(alphabet="Sub End()RunPython \"'\r\n\tabcxyz_.;0123", max_size=14000)
                  .map(lambda t: t.encode("ascii")))


@settings(max_examples=60, deadline=None)
@given(TEXTS)
def test_compression_round_trips_and_oletools_agrees(data):
    packed = ovba.compress(data)
    assert ovba.decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data


def test_repetitive_source_is_compressed_with_copy_tokens():
    source = b'    RunPython "import kpi_xl.excel.ribbon as r; r.rag()"\r\n' * 300
    packed = ovba.compress(source)
    assert len(packed) < len(source) // 5
    assert bytes(decompress_stream(bytearray(packed))) == source


def test_random_full_chunks_are_stored_raw():
    data = os.urandom(4096 * 2)
    packed = ovba.compress(data)
    assert len(packed) == 1 + 2 * (2 + 4096)
    assert bytes(decompress_stream(bytearray(packed))) == data


def _strict(data: bytes) -> olefile.OleFileIO:
    return olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)


def _black_height(entries, sid) -> int:
    """MS-CFB 2.6.4: no red node has a red child; every path has as many black nodes."""
    if sid == ovba.NOSTREAM:
        return 1
    node = entries[sid]
    for child in (node.sid_left, node.sid_right):
        if child != ovba.NOSTREAM and node.color == 0:
            assert entries[child].color == 1, "red node with a red child"
    left, right = _black_height(entries, node.sid_left), _black_height(entries, node.sid_right)
    assert left == right, "unequal black heights"
    return left + (node.color == 1)


def _in_order(entries, sid) -> list[str]:
    if sid == ovba.NOSTREAM:
        return []
    node = entries[sid]
    return _in_order(entries, node.sid_left) + [node.name] + _in_order(entries, node.sid_right)


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 9, 40])
def test_compound_files_read_back_strictly_with_valid_trees(count):
    streams = {"PROJECT": b"ID=x\r\n", "VBA/dir": os.urandom(5000)}
    streams.update({f"VBA/m{i:02d}{'x' * (i % 5)}": os.urandom((i * 997) % 9000 + 1)
                    for i in range(count)})
    ole = _strict(ovba.write_compound_file(streams))
    try:
        assert {"/".join(p): ole.openstream(p).read() for p in ole.listdir()} == streams
        entries = ole.direntries
        for entry in entries:
            if entry is not None and entry.sid_child != ovba.NOSTREAM:
                _black_height(entries, entry.sid_child)
                names = _in_order(entries, entry.sid_child)
                assert names == sorted(names, key=ovba._cfb_key)
    finally:
        ole.close()


def test_a_module_is_added_to_the_xlwings_template_and_read_back():
    with zipfile.ZipFile(addin.template_path()) as z:
        template = z.read(addin.VBA_PART)
    source = 'Attribute VB_Name = "probe"\r\nSub Probe()\r\n    RunPython "import x; x.y()"\r\nEnd Sub\r\n'
    built = ovba.add_module(template, "probe", source)
    project = ovba.VbaProject.read(built)
    assert project.modules()[-1] == "probe"
    assert ovba.module_source(built, "probe") == source
    _strict(built).close()
    with pytest.raises(ValueError, match="already has a module"):
        ovba.add_module(built, "probe", source)
    with pytest.raises(ValueError, match="not a VBA module name"):
        ovba.add_module(template, "no spaces", source)
