Attribute VB_Name = "kpi_xl"
' kpi-xl ribbon callbacks: one Sub per button of the KPI tab (customUI14.xml).
' Each runs one function of the kpi_xl Python package through xlwings' RunPython;
' the work (reading the workbook, rules, writing) is all in Python.
' kpi-xl addin build writes this module into kpi_xl.xlam's VBA project (macros/README.md).
' Each passes XLWINGS_VERSION, the version of the xlwings VBA the add-in was built from
' (a constant of the add-in's xlwings module), so Python can say when it no longer matches.
Option Explicit

' Refresh all
Sub KpiRefreshAll(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.refresh_all('" & XLWINGS_VERSION & "')"
End Sub

' RAG
Sub KpiRag(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.rag('" & XLWINGS_VERSION & "')"
End Sub

' Direction of travel
Sub KpiDirection(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.direction('" & XLWINGS_VERSION & "')"
End Sub

' Comparators
Sub KpiComparators(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.comparators('" & XLWINGS_VERSION & "')"
End Sub

' Exceptions
Sub KpiExceptions(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.exceptions('" & XLWINGS_VERSION & "')"
End Sub

' Check data
Sub KpiCheckData(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.check_data('" & XLWINGS_VERSION & "')"
End Sub

' Settings
Sub KpiSettings(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.settings('" & XLWINGS_VERSION & "')"
End Sub
