"""The code that makes the plan (:mod:`kpi_xl.plan` holds the plan itself).

- ``indicator_tables``: changes to the council's own indicator tables (RAG,
  dot and arrow cells with their formulas, colours, sparklines, comparators).
"""
