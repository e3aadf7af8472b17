// CSV for exports opened in spreadsheets (RFC 4180, CRLF lines, UTF-8).

/**
 * One field: quoted when it holds a quote, comma or line break. A text starting with = + - @ gets a
 * leading apostrophe, so a spreadsheet shows it rather than running it as a formula (CSV injection).
 */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header line and one line per row, in the columns' order. */
export function csvTable<C extends string>(columns: readonly C[], rows: readonly Partial<Record<C, string | number | null>>[]): string {
  return [columns.join(','), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(','))].join('\r\n') + '\r\n';
}
