"""Spreadsheets the product hands out: templates to fill in, as XLSX and as ODS (LibreOffice's
own format), with the header row frozen, widths set, units and allowed values noted and lists
validated; and the print setup every workbook sheet gets (landscape, one page wide, header row
repeated, title, date of the data and page numbers)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

TEMPLATE_HEADER_ROW = 4  # title, help line, notes (units, allowed values), then the header
_XLSX_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                 "strings_to_urls": False}


@dataclass(frozen=True)
class TemplateColumn:
    """A column of a template: header, width in characters, a note (unit, what to type) and,
    when the column takes a fixed list, the values allowed on every row."""

    title: str
    width: int = 14
    note: str = ""
    choices: tuple[str, ...] = ()


@dataclass
class Template:
    """A sheet to fill in: title and help above the notes and the header (row 4, frozen),
    ``rows`` prefilled, ``blank_rows`` more to type in; ``greyed`` cells (row index, column)
    are those a row does not take; ``cell_choices`` lists allowed on single cells."""

    sheet: str
    title: str
    help: str
    columns: list[TemplateColumn]
    rows: list[list[str | None]] = field(default_factory=list)
    blank_rows: int = 0
    greyed: set[tuple[int, int]] = field(default_factory=set)
    cell_choices: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return len(self.rows) + self.blank_rows


def print_setup(sheet: Any, *, title: str, as_of: str, header_row: int) -> None:
    """What makes an xlsxwriter sheet print: A4 landscape, one page wide, the header row
    (0-based) repeated on every page, title and date of the data above, page numbers below."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    sheet.set_header(f"&L&B{_hf(title, 120)}&R{_hf(as_of, 80)}")
    sheet.set_footer("&C&P / &N")


def _hf(text: str, limit: int) -> str:
    # & starts a code in Excel headers; their whole text is limited to 255 characters.
    return text[:limit].replace("&", "&&")


def template_xlsx(template: Template, *, as_of: str = "") -> bytes:
    """A template as XLSX: text is never turned into a formula, header frozen, widths set,
    notes row, lists validated, print-ready."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _XLSX_OPTIONS)
    sheet = book.add_worksheet(template.sheet[:31])
    bold = book.add_format({"bold": True, "font_size": 13})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    note = book.add_format({"italic": True, "font_color": "#595959", "text_wrap": True,
                            "valign": "top"})
    unused = book.add_format({"bg_color": "#EEEEEE"})
    sheet.write_string(0, 0, template.title, bold)
    sheet.write_string(1, 0, template.help)
    top = TEMPLATE_HEADER_ROW - 1
    for column, spec in enumerate(template.columns):
        if spec.note:
            sheet.write_string(top - 1, column, spec.note, note)
        sheet.write_string(top, column, spec.title, head)
        sheet.set_column(column, column, spec.width)
        if spec.choices and template.row_count:
            sheet.data_validation(top + 1, column, top + template.row_count, column,
                                  {"validate": "list", "source": list(spec.choices),
                                   "ignore_blank": True})
    for offset, record in enumerate(template.rows):
        for column, cell in enumerate(record):
            if cell is not None:
                sheet.write_string(top + 1 + offset, column, str(cell))
    for offset, column in sorted(template.greyed):
        sheet.write_blank(top + 1 + offset, column, None, unused)
    for (offset, column), choices in template.cell_choices.items():
        sheet.data_validation(top + 1 + offset, column, top + 1 + offset, column,
                              {"validate": "list", "source": list(choices)})
    sheet.freeze_panes(TEMPLATE_HEADER_ROW, 0)
    print_setup(sheet, title=template.title, as_of=as_of, header_row=top)
    book.close()
    return buffer.getvalue()


def _ods_list(choices: Sequence[str]) -> str:
    return "of:cell-content-is-in-list(" + ";".join(
        '"' + c.replace('"', '""') + '"' for c in choices) + ")"


def template_ods(template: Template) -> bytes:
    """The same template as ODS (LibreOffice's own format): header frozen, widths set, notes
    row, lists validated; strings stay strings."""
    from odf.config import (
        ConfigItem,
        ConfigItemMapEntry,
        ConfigItemMapIndexed,
        ConfigItemMapNamed,
        ConfigItemSet,
    )
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import (
        Style,
        TableCellProperties,
        TableColumnProperties,
        TextProperties,
    )
    from odf.table import (
        ContentValidation,
        ContentValidations,
        Table,
        TableCell,
        TableColumn,
        TableRow,
    )
    from odf.text import P

    doc = OpenDocumentSpreadsheet()

    def cell_style(name: str, cell: dict[str, str], text: dict[str, str]) -> Style:
        style = Style(name=name, family="table-cell")
        if cell:
            style.addElement(TableCellProperties(**cell))
        if text:
            style.addElement(TextProperties(**text))
        doc.automaticstyles.addElement(style)
        return style

    bold = cell_style("title", {}, {"fontweight": "bold", "fontsize": "13pt"})
    head = cell_style("head", {"backgroundcolor": "#DDEBF7", "border": "0.5pt solid #000000",
                               "wrapoption": "wrap"}, {"fontweight": "bold"})
    note = cell_style("note", {"wrapoption": "wrap", "verticalalign": "top"},
                      {"fontstyle": "italic", "color": "#595959"})
    unused = cell_style("unused", {"backgroundcolor": "#EEEEEE"}, {})

    validations = ContentValidations()
    names: dict[tuple[str, ...], str] = {}

    def validation(choices: tuple[str, ...]) -> str:
        if choices not in names:
            names[choices] = f"list{len(names) + 1}"
            validations.addElement(ContentValidation(
                name=names[choices], condition=_ods_list(choices), allowemptycell="true",
                displaylist="unsorted"))
        return names[choices]

    table = Table(name=template.sheet[:31])
    for number, spec in enumerate(template.columns):
        style = Style(name=f"col{number}", family="table-column")
        style.addElement(TableColumnProperties(columnwidth=f"{spec.width * 0.21:.2f}cm"))
        doc.automaticstyles.addElement(style)
        table.addElement(TableColumn(stylename=style))

    def text_cell(value: str | None, style: Style | None = None,
                  valid: str | None = None) -> Any:
        options: dict[str, Any] = {}
        if style is not None:
            options["stylename"] = style
        if valid is not None:
            options["contentvalidationname"] = valid
        if value is None:
            return TableCell(**options)
        cell = TableCell(valuetype="string", **options)
        for line in str(value).split("\n"):
            cell.addElement(P(text=line))
        return cell

    def row(cells: list[Any]) -> None:
        element = TableRow()
        for cell in cells:
            element.addElement(cell)
        table.addElement(element)

    width = len(template.columns)
    row([text_cell(template.title, bold)])
    row([text_cell(template.help)])
    row([text_cell(spec.note or None, note) for spec in template.columns])
    row([text_cell(spec.title, head) for spec in template.columns])
    for offset in range(template.row_count):
        record = template.rows[offset] if offset < len(template.rows) else [None] * width
        cells = []
        for column, spec in enumerate(template.columns):
            choices = template.cell_choices.get((offset, column)) or spec.choices
            cells.append(text_cell(
                record[column] if column < len(record) else None,
                unused if (offset, column) in template.greyed else None,
                validation(choices) if choices else None))
        row(cells)
    if names:
        doc.spreadsheet.addElement(validations)
    doc.spreadsheet.addElement(table)

    # The header row frozen on screen, as LibreOffice stores it in settings.xml.
    settings = ConfigItemSet(name="ooo:view-settings")
    views = ConfigItemMapIndexed(name="Views")
    view = ConfigItemMapEntry()
    view.addElement(ConfigItem(name="ViewId", type="string", text="view1"))
    tables = ConfigItemMapNamed(name="Tables")
    entry = ConfigItemMapEntry(name=template.sheet[:31])
    for name, kind, value in (("HorizontalSplitMode", "short", "0"),
                              ("VerticalSplitMode", "short", "2"),
                              ("HorizontalSplitPosition", "int", "0"),
                              ("VerticalSplitPosition", "int", str(TEMPLATE_HEADER_ROW)),
                              ("ActiveSplitRange", "short", "2"),
                              ("PositionLeft", "int", "0"),
                              ("PositionRight", "int", "0"),
                              ("PositionTop", "int", "0"),
                              ("PositionBottom", "int", str(TEMPLATE_HEADER_ROW))):
        entry.addElement(ConfigItem(name=name, type=kind, text=value))
    tables.addElement(entry)
    view.addElement(tables)
    views.addElement(view)
    settings.addElement(views)
    doc.settings.addElement(settings)

    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()


