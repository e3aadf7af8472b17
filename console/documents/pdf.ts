import { readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';

// The printable documents' common parts: an A4 document in the machine's CJK font (WenQuanYi Zen
// Hei, Debian's fonts-wqy-zenhei), tables that carry their header onto every page they run to, and
// a footer with the print time and page numbers. pdfkit embeds only the glyphs a document uses.

export const CJK_FONT_PATH = '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc';
/** The face in the collection (it also holds a monospaced and a sharp one). */
const CJK_FONT_FAMILY = 'WenQuanYiZenHei';
const MARGIN = 36;
const CELL_PADDING = 4;
const FOOTER_SIZE = 8;
/** What a table's page heading is allowed above its header row when deciding whether it starts on a new page. */
const HEADING_ROOM = 40;

let font: Buffer | undefined;
/** Read once: some 17 MB, parsed again by each document for the glyphs it needs. */
function cjkFont(): Buffer {
  try {
    font ??= readFileSync(CJK_FONT_PATH);
  } catch (err) {
    throw new Error(`the CJK font ${CJK_FONT_PATH} is missing (${(err as Error).message}): install Debian's fonts-wqy-zenhei (scripts/install-chromium.sh does)`);
  }
  return font;
}

export interface Pdf {
  doc: PDFKit.PDFDocument;
  /** Writes the footer on every page and ends the document: its bytes. */
  finish(footer: (page: number, pages: number) => string): Promise<Buffer>;
}

export function createPdf(options: { layout: 'portrait' | 'landscape'; title: string; author: string }): Pdf {
  const doc = new PDFDocument({ size: 'A4', layout: options.layout, margin: MARGIN, bufferPages: true, info: { Title: options.title, Author: options.author } });
  doc.registerFont('cjk', cjkFont(), CJK_FONT_FAMILY);
  doc.font('cjk');
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return {
    doc,
    finish(footer) {
      const { start, count } = doc.bufferedPageRange();
      for (let i = start; i < start + count; i++) {
        doc.switchToPage(i);
        // Below the bottom margin pdfkit would start a new page: the footer is written without it.
        const bottom = doc.page.margins.bottom;
        doc.page.margins.bottom = 0;
        doc.fontSize(FOOTER_SIZE).text(footer(i - start + 1, count), MARGIN, doc.page.height - MARGIN + FOOTER_SIZE, { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false });
        doc.page.margins.bottom = bottom;
      }
      doc.end();
      return ended;
    },
  };
}

export interface TableColumn {
  heading: string;
  /** A share of the page's width. */
  width: number;
  align?: 'left' | 'right' | 'center';
}

export type Cell = string | number | null;

export interface TableOptions {
  columns: TableColumn[];
  rows: Cell[][];
  fontSize?: number;
  /** Room for a signature: no row is lower than this. */
  minRowHeight?: number;
  /** Drawn before the header row on the table's first page and on every page it runs onto (`continued`). */
  pageHeading?: (continued: boolean) => void;
  /** How a number reads (amounts in yuan with separators). */
  formatNumber?: (n: number) => string;
}

/** A ruled table from the current position, continued on new pages with `pageHeading` and its header row again. */
export function drawTable(doc: PDFKit.PDFDocument, options: TableOptions): void {
  const size = options.fontSize ?? 9;
  const left = doc.page.margins.left;
  const usable = doc.page.width - left - doc.page.margins.right;
  const share = options.columns.reduce((sum, c) => sum + c.width, 0);
  const widths = options.columns.map((c) => (c.width / share) * usable);
  const text = (cell: Cell) => (cell === null ? '' : typeof cell === 'number' ? (options.formatNumber ?? String)(cell) : cell);
  const heightOf = (cells: Cell[]) =>
    Math.max(options.minRowHeight ?? 0, ...cells.map((cell, i) => doc.fontSize(size).heightOfString(text(cell) || ' ', { width: widths[i]! - 2 * CELL_PADDING }) + 2 * CELL_PADDING));
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  const drawRow = (cells: Cell[], header: boolean, height = heightOf(cells)) => {
    let x = left;
    const y = doc.y;
    cells.forEach((cell, i) => {
      const width = widths[i]!;
      if (header) doc.rect(x, y, width, height).fillAndStroke('#eeeeee', '#000000').fillColor('#000000');
      else doc.rect(x, y, width, height).stroke();
      doc.fontSize(size).text(text(cell), x + CELL_PADDING, y + CELL_PADDING, { width: width - 2 * CELL_PADDING, align: header ? 'center' : (options.columns[i]!.align ?? 'left') });
      x += width;
    });
    doc.x = left;
    doc.y = y + height;
  };
  const header = options.columns.map((c) => c.heading);
  const startPage = (continued: boolean) => {
    options.pageHeading?.(continued);
    drawRow(header, true);
  };

  doc.lineWidth(0.5);
  // A heading and header alone at the foot of a page are moved with the first row.
  if (doc.y + (options.pageHeading ? HEADING_ROOM : 0) + heightOf(header) + heightOf(options.rows[0] ?? header) > bottom()) doc.addPage();
  startPage(false);
  for (const row of options.rows) {
    const height = heightOf(row);
    if (doc.y + height > bottom()) {
      doc.addPage();
      startPage(true);
    }
    drawRow(row, false, height);
  }
}
