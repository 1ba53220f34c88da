"""Build hook: the wheel carries config/, macros/ and workbook_templates/.

They stay at the top of the repository (people edit them there) and are
copied into the package as ``kpi_xl/_shipped/<folder>`` when the wheel is
built, where :mod:`kpi_xl.paths` finds them. An editable install reads them
from the checkout instead, so nothing is copied then.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("config", "macros", "workbook_templates")


class BuildPyWithShipped(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "kpi_xl" / "_shipped"
        for folder in SHIPPED:
            shutil.rmtree(target / folder, ignore_errors=True)
            shutil.copytree(root / folder, target / folder,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildPyWithShipped})
