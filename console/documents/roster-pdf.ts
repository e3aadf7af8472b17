import type { Locale } from '../../domain/notification-text';
import { createPdf, drawTable } from './pdf';
import { WORDS } from './words';

// The signed roster (慰问名册) a unit prints for the visits: its approved households with empty
// columns for the recipient's and the handler's signatures (经慰问对象、经手人签字), the title
// and table header on every page, the totals and a date line for the stamp at the end.

export interface SignedRoster {
  campaignTitle: string;
  organizer: string;
  unitName: string;
  /** The phase as a person reads it (慰问阶段). */
  phase: string;
  timeZone: string;
  printedAt: number;
  entries: { entry: number; name: string | null; category: string; fundingSource: string; amount: number; goods?: string }[];
}

/** A signature needs room: some 1 cm a row. */
const SIGNATURE_ROW = 28;

export function signedRosterPdf(roster: SignedRoster, locale: Locale): Promise<Buffer> {
  const words = WORDS[locale];
  const w = words.roster;
  const title = w.title(roster.campaignTitle);
  const { doc, finish } = createPdf({ layout: 'landscape', title, author: roster.organizer });
  const c = w.columns;
  drawTable(doc, {
    columns: [
      { heading: c.entry, width: 5, align: 'center' },
      { heading: c.name, width: 11 },
      { heading: c.category, width: 13 },
      { heading: c.fundingSource, width: 17 },
      { heading: c.amount, width: 9, align: 'right' },
      { heading: c.goods, width: 11 },
      { heading: c.recipientSignature, width: 17 },
      { heading: c.handlerSignature, width: 17 },
    ],
    rows: roster.entries.map((e) => [e.entry, e.name ?? w.erased, e.category, e.fundingSource, words.yuan(e.amount), e.goods ?? '', '', '']),
    minRowHeight: SIGNATURE_ROW,
    pageHeading: () => {
      doc.fontSize(16).text(title, { align: 'center' });
      doc.moveDown(0.3).fontSize(10).text(w.subtitle(roster.unitName, roster.phase, roster.organizer), { align: 'center' });
      doc.moveDown(0.6);
    },
  });
  const amount = roster.entries.reduce((sum, e) => sum + e.amount, 0);
  doc.moveDown(0.8).fontSize(10).text(w.total(roster.entries.length, words.yuan(amount)));
  doc.moveDown(1.2).text(w.signatures);
  const printedAt = words.time(roster.printedAt, roster.timeZone);
  return finish((page, pages) => words.footer(printedAt, page, pages));
}
