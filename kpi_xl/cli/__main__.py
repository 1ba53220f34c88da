"""``python -m kpi_xl.cli``: the same as the ``kpi-xl`` command."""
from . import main

main()
