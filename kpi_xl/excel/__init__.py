"""kpi-xl inside Excel, through xlwings.

- ``udfs``: worksheet functions (=KPI_RAG(...)) over the same rules refresh uses;
  xlwings' "UDF Modules" setting names it.
- ``ribbon``: the Python side of each button of the KPI ribbon tab.
- ``live_writer``: applies a :class:`kpi_xl.plan.Plan` to an open workbook.
- ``addin``: builds ``kpi_xl.xlam`` from xlwings' ribbon add-in template and
  installs it.

Every module here imports on Linux (xlwings installs there, its decorators
are no-ops); only the live writer and the ribbon need a running Excel.
"""
