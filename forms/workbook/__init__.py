"""The catalog as an XLSX workbook: one model, two notations (issue 16).

District staff author the catalog in a spreadsheet, as XLSForm lets non-programmers own
ODK forms. The workbook is another notation of the same model as ``forms/items/*.yaml``
(:mod:`forms.model`): :func:`write_workbook` turns a :class:`~forms.catalog.Catalog` into
an XLSX file and :func:`read_workbook` turns the file back into the same catalog —
export → import is the identity, tested on the whole shipped catalog.

Sheets (a header row of column keys, then one row per thing; the order of rows is the
order in the catalog):

- ``说明`` — instructions (ignored when read);
- ``catalog`` — ``setting`` / ``value``: the ``version``;
- ``items`` — one row per item or 一件事 bundle, with its one-time notice (lists: one entry
  per line in the cell);
- ``fields`` — ``item``, ``group`` (the group field a sub-field belongs to), ``key``,
  ``label``, ``type`` …; ``show_if`` / ``required_if`` in a small expression form:
  ``字段 = 值``, ``字段 != 值``, ``字段 in [值1, 值2]``, ``字段 已填`` / ``字段 未填``;
- ``choices`` — ``item``, ``list``, ``value``: a field's ``choices`` cell names a list;
- ``materials``; ``bundles`` (``bundle``, ``member``, the ``services`` choices routed to
  that member); ``checks`` (cross-field checks and eligibility warnings, one column per
  part of the rule); ``examples`` (each item's worked example, one row per key);
- ``params`` — local parameters (:mod:`forms.params`): ``name``, ``value`` (a number, a
  text, a list one entry per line, or a date), ``type`` (数字/文字/列表/日期; from the value
  when empty), ``unit``, ``description``; items refer to them as ``{name}`` in texts and by
  name in checks;
- translations: a column per language beside the text, ``name::en``, ``label::en`` …

:func:`read_workbook` reports every problem at once, each with its sheet, row and column
and a sentence in Chinese (``fields!E14: 类型 'phon' 不认识，可选：text、…``), through the
same checker as ``python -m forms.check`` (:mod:`forms.checker`); a workbook with any
problem yields no catalog, so nothing is published from it.

The package's parts: :mod:`~forms.workbook.sheets` (the sheets, their columns and the words
of a cell), :mod:`~forms.workbook.writer` (catalog → workbook),
:mod:`~forms.workbook.reader` (workbook → catalog: the file and its sheets), with
:mod:`~forms.workbook.cells` (one cell read, its problem reported) and
:mod:`~forms.workbook.builder` (rows → items, checked, each problem at its cell). What
callers use is imported from here.
"""

from forms.model import Material
from forms.workbook.reader import (
    catalog_equal,
    catalog_of_items,
    load_workbook_catalog,
    read_workbook,
)
from forms.workbook.sheets import (
    MAX_BYTES,
    Problem,
    WorkbookError,
    condition_text,
    parse_condition,
)
from forms.workbook.writer import template_catalog, write_workbook

__all__ = ["MAX_BYTES", "Material", "Problem", "WorkbookError", "catalog_equal",
           "catalog_of_items", "condition_text", "load_workbook_catalog", "parse_condition",
           "read_workbook", "template_catalog", "write_workbook"]
