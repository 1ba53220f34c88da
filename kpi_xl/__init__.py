"""kpi-xl: RAG ratings, direction of travel, comparators and exception
summaries inside councils' children's services returns workbooks."""
__version__ = "0.1.0"
