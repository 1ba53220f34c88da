"""``python -m kpi_xl``: the same as the ``kpi-xl`` command."""
from .launch import main

main()
