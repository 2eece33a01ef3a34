"""Reading office files (XLSX, CSV) that departments hand in, and converting their cells, for every importer."""
from app.imports.cells import CellError
from app.imports.reader import FileRejected, read_table

__all__ = ["CellError", "FileRejected", "read_table"]
