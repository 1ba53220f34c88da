"""Read and patch Excel packages (.xlsx/.xlsm) without losing what kpi-xl does not own.

One module per concern: ``safety`` (refusals, safe XML parsing), ``package``
(the zip, content types, relationships), ``styles``, ``shared_strings``,
``sheet`` (patching a worksheet), ``workbook_part`` (workbook.xml, defined
names, app.xml), ``owned_sheet`` (generating a sheet kpi-xl owns),
``integrity`` (checks after writing) and ``writer`` (:func:`apply_plan`).
"""
