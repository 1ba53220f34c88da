Attribute VB_Name = "kpi_xl"
' kpi-xl ribbon callbacks: one Sub per button of the KPI tab (customUI14.xml).
' Each runs one function of the kpi_xl Python package through xlwings' RunPython;
' the work (reading the workbook, rules, writing) is all in Python.
' Import this module into kpi_xl.xlam (kpi-xl addin install, or by hand: see README.md).
Option Explicit

' Refresh all
Sub KpiRefreshAll(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.refresh_all()"
End Sub

' RAG
Sub KpiRag(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.rag()"
End Sub

' Direction of travel
Sub KpiDirection(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.direction()"
End Sub

' Comparators
Sub KpiComparators(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.comparators()"
End Sub

' Exceptions
Sub KpiExceptions(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.exceptions()"
End Sub

' Check data
Sub KpiCheckData(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.check_data()"
End Sub

' Settings
Sub KpiSettings(control As IRibbonControl)
    RunPython "import kpi_xl.excel.ribbon as r; r.settings()"
End Sub
