import type { Locale } from '../../domain/notification-text';
import { createPdf, drawTable } from './pdf';
import { formatCell, type ReportDocument } from './report-tables';
import { WORDS } from './words';

// The upward report printed for filing (汇总上报): its tables one after the other, each carrying its
// title and header onto the pages it runs to.

export function reportPdf(document: ReportDocument, context: { printedAt: number; timeZone: string; organizer: string }, locale: Locale): Promise<Buffer> {
  const words = WORDS[locale];
  const { doc, finish } = createPdf({ layout: 'landscape', title: document.title, author: context.organizer });
  doc.fontSize(16).text(document.title, { align: 'center' });
  doc.moveDown(0.3).fontSize(10).text(document.subtitle, { align: 'center' });
  for (const table of document.tables) {
    doc.moveDown(1);
    drawTable(doc, {
      columns: table.columns.map((c) => ({ heading: c.heading, width: c.width, align: c.kind === 'text' ? 'left' : 'right' })),
      rows: [...table.rows, ...table.totals].map((row) => row.map((cell, i) => formatCell(cell, table.columns[i]!.kind, locale))),
      pageHeading: (continued) => {
        doc.fontSize(12).text(continued ? `${table.name}${words.continued}` : table.name);
        doc.moveDown(0.3);
      },
    });
  }
  const printedAt = words.time(context.printedAt, context.timeZone);
  return finish((page, pages) => words.footer(printedAt, page, pages));
}
