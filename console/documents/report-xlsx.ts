import ExcelJS from 'exceljs';
import type { ColumnKind, ReportDocument } from './report-tables';

// The upward report as a workbook: one sheet per table, the title and the time it was made on top,
// the header frozen, amounts as numbers in yuan (so the office can add them up again), totals last.

const FORMATS: Record<ColumnKind, string | undefined> = { text: undefined, count: '#,##0', yuan: '#,##0', share: '0%' };
/** Rows above a table: title, subtitle, one blank. */
const HEADER_ROW = 4;

/** Excel refuses sheet names over 31 characters or with []:*?/\. */
const sheetName = (name: string) => name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);

export async function reportXlsx(document: ReportDocument): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  for (const table of document.tables) {
    const sheet = workbook.addWorksheet(sheetName(table.name), { views: [{ state: 'frozen', ySplit: HEADER_ROW }] });
    sheet.getCell(1, 1).value = document.title;
    sheet.getCell(1, 1).font = { bold: true, size: 14 };
    sheet.getCell(2, 1).value = document.subtitle;
    table.columns.forEach((column, i) => {
      sheet.getColumn(i + 1).width = column.width;
      const format = FORMATS[column.kind];
      if (format) sheet.getColumn(i + 1).numFmt = format;
    });
    const header = sheet.getRow(HEADER_ROW);
    header.values = table.columns.map((c) => c.heading);
    header.font = { bold: true };
    header.alignment = { wrapText: true, vertical: 'middle' };
    for (const row of table.rows) sheet.addRow(row);
    for (const row of table.totals) sheet.addRow(row).font = { bold: true };
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
