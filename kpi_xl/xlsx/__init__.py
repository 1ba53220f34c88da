"""Read and patch Excel packages (.xlsx/.xlsm) without losing what kpi-xl does not own.

An existing workbook is never loaded and re-saved by a library: parts the
plan does not concern are copied as their raw compressed bytes, and the
parts it does concern are edited element by element with lxml.

The reader (``kpi_xl.reader.cells``) reads through this layer too: one
package opened once (:meth:`~kpi_xl.xlsx.package.Package.open` runs the
safety checks on the open file) serves the owned-sheet lookup, the reader
and the writer of a refresh.

Modules, one per concern:
- ``namespaces``: every XML namespace, relationship type, content type and
  hidden defined name (``_kpixl_owned``...) spelled once;
- ``refs``: A1 references (columns, cells, ranges, sqrefs, sheet-qualified
  references and sheet-name quoting), for the reader and both writers;
- ``safety``: refusals (lock file, encryption, .xls/.xlsb, Strict OOXML, zip
  bombs, DTDs) and :func:`~kpi_xl.xlsx.safety.parse_xml`, the only XML parser
  used on workbook parts; ``part_check``: every part's CRC, at file
  offsets, in a thread or a child process (stdlib only: the console script
  starts it before its imports);
- ``package``: the zip (raw-copying writer), content types, relationships;
  :meth:`~kpi_xl.xlsx.package.Package.open`,
  :func:`~kpi_xl.xlsx.package.sheet_part_names`;
- ``workbook_part``: workbook.xml, sheet entries, defined names and
  kpi-xl's markers (:func:`~kpi_xl.xlsx.workbook_part.owned_sheets`),
  docProps/app.xml titles;
- ``styles``, ``shared_strings``, ``calc_chain``: the workbook-wide parts;
- ``worksheet``: patching a worksheet (cells, column widths);
  ``conditional``: conditional formats; ``sparklines``: x14 sparklines;
- ``new_worksheet`` and ``charts``: generating the sheets kpi-xl owns;
- ``integrity``: :func:`~kpi_xl.xlsx.integrity.check_package`;
- ``writer``: :func:`~kpi_xl.xlsx.writer.apply_plan`.
"""
