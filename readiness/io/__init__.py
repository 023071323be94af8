"""Reading and writing: workbooks, CSV folders, trade extracts and output workbooks."""

from .load import DEFAULT, load_dataset
from .tables import from_tables, read_csv_folder
from .workbook import read_workbook

__all__ = ["DEFAULT", "load_dataset", "from_tables", "read_csv_folder", "read_workbook"]
