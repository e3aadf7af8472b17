import ExcelJS from 'exceljs';
import { idNumberProblem, normaliseIdNumber } from '../domain/id-number';
import type { CampaignPlan, RosterRules, Unit } from '../domain/plan';
import { RosterFailure, rosterProblems, yuan, type Household } from '../domain/roster';

// Rosters and visit records as the offices keep them: spreadsheets. A unit clerk downloads the
// template (慰问名册), fills it in Excel, and uploads it as XLSX or as the CSV Excel saves; visit
// records (走访发放登记) come back the same way. Every bad row is named as the clerk sees it in
// Excel (row number, column header), Chinese first; a file with any problem yields nothing.

export const ROSTER_SHEET = '慰问名册';
const INSTRUCTIONS_SHEET = '填写说明';
const CHOICES_SHEET = '选项';
export const VISITS_SHEET = '走访登记';
/** A unit's roster may list up to 20,000 households (a township hospital serves 10,000–15,000). */
export const MAX_ROSTER_FILE_ROWS = 20_000;
/** A visits file may hold a whole unit's phase; the store takes it in batches. */
export const MAX_VISIT_FILE_ROWS = 100_000;
export const VISIT_BATCH_SIZE = 1_000;

export interface RowProblem {
  /** As Excel numbers it (the header is row 1 unless a title is above it). Absent for the file as a whole. */
  row?: number;
  /** The column's header as written in the file. */
  column?: string;
  field?: string;
  code: string;
  /** Chinese, for the clerk. */
  message: string;
  messageEn: string;
}

export type FileFormat = 'csv' | 'xlsx';

interface ColumnSpec<F extends string> {
  field: F;
  /** The template's header. */
  header: string;
  /** Other headers accepted for the column (English field names are always accepted). */
  aliases?: readonly string[];
  required?: boolean;
  /** Longest text accepted, as in the API's schemas. */
  max?: number;
  width: number;
}

type RosterField = 'entry' | keyof Household;

/** The roster's columns in the template's order; the lengths are householdSchema's. */
export const ROSTER_COLUMNS: readonly ColumnSpec<RosterField>[] = [
  { field: 'entry', header: '序号', aliases: ['编号'], width: 6 },
  { field: 'name', header: '姓名', aliases: ['户主姓名'], required: true, max: 100, width: 10 },
  { field: 'idNumber', header: '身份证号', aliases: ['身份证号码', '公民身份号码'], required: true, width: 21 },
  { field: 'category', header: '类别', aliases: ['困难类别'], required: true, width: 16 },
  { field: 'amount', header: '拟发金额(元)', aliases: ['拟发金额', '金额'], required: true, width: 13 },
  { field: 'goods', header: '物资', aliases: ['慰问物资'], max: 300, width: 18 },
  { field: 'fundingSource', header: '资金来源', required: true, width: 18 },
  { field: 'address', header: '家庭住址', aliases: ['住址'], max: 300, width: 32 },
  { field: 'reason', header: '困难原因', aliases: ['致困原因'], required: true, max: 1_000, width: 32 },
  { field: 'illness', header: '病情', aliases: ['病情/残疾情况'], max: 300, width: 20 },
];

export interface VisitRow {
  /** Where it is in the file, for naming a refusal by the store (e.g. already paid) to the clerk. */
  row: number;
  /** The household's entry on the approved roster; either it or the ID number, or both. */
  entry?: number;
  idNumber?: string;
  amount: number;
  goods?: string;
  /** YYYY-MM-DD, the day as the office writes it. */
  visitedOn: string;
  recipientSigned: boolean;
  handler: string;
}

type VisitField = Exclude<keyof VisitRow, 'row'> | 'name';

export const VISIT_COLUMNS: readonly ColumnSpec<VisitField>[] = [
  { field: 'entry', header: '序号', aliases: ['名册序号'], width: 6 },
  // Read past: a clerk keeps the name beside the entry to check the row by eye.
  { field: 'name', header: '姓名', width: 10 },
  { field: 'idNumber', header: '身份证号', aliases: ['身份证号码', '公民身份号码'], width: 21 },
  { field: 'amount', header: '发放金额(元)', aliases: ['发放金额', '实发金额', '金额'], required: true, width: 13 },
  { field: 'goods', header: '物资', aliases: ['慰问物资'], max: 300, width: 18 },
  { field: 'visitedOn', header: '走访日期', aliases: ['日期', '发放日期'], required: true, width: 12 },
  { field: 'recipientSigned', header: '领取人签字', aliases: ['已签字', '签字'], required: true, width: 10 },
  { field: 'handler', header: '经办人', aliases: ['经手人'], required: true, max: 100, width: 10 },
];

// ---- cells and sheets

/** What one cell holds once read: CSV gives text only, XLSX also numbers, dates and booleans. */
type Cell = string | number | boolean | Date | undefined;

interface Sheet {
  /** Rows as Excel numbers them (1 = header); blank rows are left out. */
  rows: { row: number; cells: Cell[] }[];
}

const isBlank = (cell: Cell) => cell === undefined || (typeof cell === 'string' && cell.trim() === '');

function excelCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('text' in value && typeof value.text === 'string') return value.text; // hyperlink
  if ('result' in value) return excelCell((value.result ?? null) as ExcelJS.CellValue); // formula: its last computed value
  if ('error' in value) return String(value.error);
  return undefined;
}

/**
 * The sheet named preferredSheet, else the workbook's first visible one. The whole workbook is
 * loaded: exceljs's streaming reader decodes each chunk of XML on its own and so garbles a Chinese
 * character split between two chunks (test/roster-files.test.ts catches it at 20,000 rows).
 */
async function readXlsx(buffer: Buffer, preferredSheet: string): Promise<Sheet | RowProblem> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch {
    return { code: 'UnreadableFile', message: '文件不是有效的 Excel 工作簿（.xlsx）', messageEn: 'the file is not a readable Excel workbook (.xlsx)' };
  }
  const sheet = workbook.getWorksheet(preferredSheet) ?? workbook.worksheets.find((w) => w.state === 'visible');
  if (!sheet) return { code: 'UnreadableFile', message: '工作簿中没有工作表', messageEn: 'the workbook has no worksheet' };
  const rows: Sheet['rows'] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells = (row.values as ExcelJS.CellValue[]).slice(1).map(excelCell); // values[0] is empty: cells count from 1
    if (cells.some((c) => !isBlank(c))) rows.push({ row: rowNumber, cells });
  });
  return { rows };
}

/** UTF-8 (with or without BOM), else GB18030, which Excel in China saves "CSV" as. */
function decodeCsv(buffer: Buffer): string {
  const bytes = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? buffer.subarray(3) : buffer;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/** RFC 4180: comma-separated, fields quoted with "…" ("" inside), CRLF or LF; a record may span lines. */
function readCsv(buffer: Buffer): Sheet | RowProblem {
  const text = decodeCsv(buffer);
  const rows: Sheet['rows'] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let quoteOpenedInRecord = 0;
  let record = 1;
  const endField = () => {
    cells.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    if (cells.some((c) => c.trim() !== '')) rows.push({ row: record, cells });
    cells = [];
    record++;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"' && field === '') {
      quoted = true;
      quoteOpenedInRecord = record;
    } else if (ch === ',') endField();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else field += ch;
  }
  if (quoted) {
    return { row: quoteOpenedInRecord, code: 'CsvMalformed', message: `第 ${quoteOpenedInRecord} 行：引号没有闭合`, messageEn: `row ${quoteOpenedInRecord}: a quoted field is never closed` };
  }
  if (field !== '' || cells.length) endRecord();
  return { rows };
}

const readSheet = (buffer: Buffer, format: FileFormat, preferredSheet: string) => (format === 'xlsx' ? readXlsx(buffer, preferredSheet) : readCsv(buffer));

// ---- headers

/** Full-width to ASCII, no spaces, no required-field marks, no "(元)", English in lower case. */
const headerKey = (text: string) =>
  text
    .normalize('NFKC')
    .replace(/[\s*]/g, '')
    .replace(/\(元\)$/, '')
    .toLowerCase();

interface Layout<F extends string> {
  /** The header's row: 1, or lower under a title row. */
  row: number;
  /** Field → index of its cell, and the header as written. */
  columns: Map<F, { index: number; header: string }>;
}

/** Every header a column is known by → its column. */
function columnsByHeader<F extends string>(specs: readonly ColumnSpec<F>[]): Map<string, ColumnSpec<F>> {
  const byKey = new Map<string, ColumnSpec<F>>();
  for (const spec of specs) for (const name of [spec.header, spec.field, ...(spec.aliases ?? [])]) byKey.set(headerKey(name), spec);
  return byKey;
}

/** Offices often put a title (某某社区慰问名册) above the header: it is the first of the top rows that names two known columns. */
function headerIndex<F extends string>(specs: readonly ColumnSpec<F>[], rows: Sheet['rows']): number {
  const byKey = columnsByHeader(specs);
  const found = rows.slice(0, 5).findIndex((r) => r.cells.filter((c) => !isBlank(c) && byKey.has(headerKey(String(c)))).length >= 2);
  return Math.max(0, found);
}

function readHeader<F extends string>(specs: readonly ColumnSpec<F>[], header: Sheet['rows'][number] | undefined): Layout<F> | RowProblem[] {
  const byKey = columnsByHeader(specs);
  const row = header?.row ?? 1;
  const accepted = specs.map((s) => s.header).join('、');
  const problems: RowProblem[] = [];
  const columns = new Map<F, { index: number; header: string }>();
  (header?.cells ?? []).forEach((cell, index) => {
    if (isBlank(cell)) return;
    const written = String(cell).trim();
    const spec = byKey.get(headerKey(written));
    if (!spec) {
      problems.push({ row, column: written, code: 'UnknownColumn', message: `第 ${row} 行：不认识的列「${written}」（可用的列：${accepted}）`, messageEn: `row ${row}: unknown column "${written}" (columns: ${specs.map((s) => s.field).join(', ')})` });
    } else if (columns.has(spec.field)) {
      problems.push({ row, column: written, field: spec.field, code: 'DuplicateColumn', message: `第 ${row} 行：「${spec.header}」列出现了两次`, messageEn: `row ${row}: the ${spec.field} column appears twice` });
    } else columns.set(spec.field, { index, header: written });
  });
  for (const spec of specs) {
    if (spec.required && !columns.has(spec.field)) {
      problems.push({ row, field: spec.field, code: 'MissingColumn', message: `第 ${row} 行：缺少「${spec.header}」列`, messageEn: `row ${row}: the ${spec.field} column is missing` });
    }
  }
  return problems.length ? problems : { row, columns };
}

/** Reads the fields of one row, each check naming the row and column it failed. */
class RowReader<F extends string> {
  readonly problems: RowProblem[] = [];
  constructor(
    private readonly specs: ReadonlyMap<F, ColumnSpec<F>>,
    private readonly layout: Layout<F>,
    readonly row: number,
    private readonly cells: Cell[],
  ) {}

  cell(field: F): Cell {
    const column = this.layout.columns.get(field);
    return column ? this.cells[column.index] : undefined;
  }

  fail(field: F, code: string, zh: string, en: string): undefined {
    const header = this.layout.columns.get(field)?.header ?? this.specs.get(field)!.header;
    this.problems.push({ row: this.row, column: header, field, code, message: `第 ${this.row} 行「${header}」：${zh}`, messageEn: `row ${this.row}, ${field}: ${en}` });
    return undefined;
  }

  /** Trimmed text; undefined when empty (a problem if the column is required) or too long. */
  text(field: F): string | undefined {
    const cell = this.cell(field);
    const spec = this.specs.get(field)!;
    const value = cell instanceof Date ? cell.toISOString() : cell === undefined ? '' : String(cell).trim();
    if (value === '') return spec.required ? this.fail(field, 'Required', '不能为空', 'required') : undefined;
    if (spec.max !== undefined && [...value].length > spec.max) return this.fail(field, 'TooLong', `超过 ${spec.max} 个字`, `longer than ${spec.max} characters`);
    return value;
  }

  idNumber(field: F): string | undefined {
    const cell = this.cell(field);
    if (typeof cell === 'number') {
      return this.fail(field, 'IdNumberMalformed', '身份证号被存成了数字，末几位已丢失：请把该列设为“文本”后重新填写', 'stored as a number, which loses its last digits: format the column as text and enter it again');
    }
    const written = this.text(field);
    if (written === undefined) return undefined;
    const id = normaliseIdNumber(written);
    const wrong = idNumberProblem(id);
    if (wrong === 'shape') return this.fail(field, 'IdNumberMalformed', `“${written}”不是 18 位身份证号（17 位数字加一位数字或 X）`, 'not an 18-character ID number (17 digits, then a digit or X)');
    if (wrong === 'check-digit') return this.fail(field, 'IdNumberCheckDigit', '校验位不符（GB 11643），请核对是否抄错', 'the check digit does not match (GB 11643): a digit is probably mistyped');
    return id;
  }

  /** Whole yuan, from a number cell or text such as "1,200" or "1200元". */
  amount(field: F): number | undefined {
    const cell = this.cell(field);
    const text = typeof cell === 'number' ? String(cell) : this.text(field);
    if (text === undefined) return undefined;
    const plain = text.normalize('NFKC').replace(/[,\s]/g, '').replace(/元$/, '');
    if (!/^\d+(\.0+)?$/.test(plain)) return this.fail(field, 'AmountNotNumber', `“${text}”不是整元金额`, `"${text}" is not an amount in whole yuan`);
    const amount = Number.parseInt(plain, 10);
    if (amount > 100_000_000) return this.fail(field, 'AmountNotNumber', `${yuan(amount)} 元超过上限 100,000,000 元`, `${amount} is above the limit of 100,000,000`);
    return amount;
  }

  /** A 1-based entry number. */
  entry(field: F): number | undefined {
    const text = this.text(field);
    if (text === undefined) return undefined;
    if (!/^[1-9]\d{0,6}(\.0+)?$/.test(text)) return this.fail(field, 'EntryNotNumber', `“${text}”不是名册序号`, `"${text}" is not an entry number`);
    return Number.parseInt(text, 10);
  }

  /** A calendar day, YYYY-MM-DD, from a date cell, an Excel day number or text such as 2027-02-09, 2027/2/9 or 2027年2月9日. */
  date(field: F): string | undefined {
    const cell = this.cell(field);
    let ymd: [number, number, number] | undefined;
    if (cell instanceof Date) ymd = [cell.getUTCFullYear(), cell.getUTCMonth() + 1, cell.getUTCDate()]; // Excel keeps days without a zone; exceljs reads them as UTC
    else if (typeof cell === 'number' && Number.isInteger(cell) && cell > 0) {
      const day = new Date(Date.UTC(1899, 11, 30) + cell * 86_400_000);
      ymd = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    } else {
      const text = this.text(field);
      if (text === undefined) return undefined;
      const match = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(text.normalize('NFKC'));
      const [y, m, d] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
      const day = new Date(Date.UTC(y, m - 1, d));
      if (!match || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return this.fail(field, 'DateMalformed', `“${text}”不是日期（如 2027-02-09）`, `"${text}" is not a date (e.g. 2027-02-09)`);
      ymd = [y, m, d];
    }
    return `${String(ymd[0]).padStart(4, '0')}-${String(ymd[1]).padStart(2, '0')}-${String(ymd[2]).padStart(2, '0')}`;
  }

  yesNo(field: F): boolean | undefined {
    const cell = this.cell(field);
    if (typeof cell === 'boolean') return cell;
    const text = this.text(field);
    if (text === undefined) return undefined;
    const key = text.normalize('NFKC').toLowerCase();
    if (YES.has(key)) return true;
    if (NO.has(key)) return false;
    return this.fail(field, 'NotYesNo', `“${text}”应填“是”或“否”`, `"${text}" should be yes or no (是/否)`);
  }

  /** Maps a plan choice written by its label or id to the id; names the allowed ones otherwise. */
  choice(field: F, choices: Choices, code: string, what: { zh: string; en: string }): string | undefined {
    const text = this.text(field);
    if (text === undefined) return undefined;
    const id = choices.byText.get(text);
    if (id !== undefined) return id;
    return this.fail(field, code, `${what.zh}“${text}”不在方案中（可选：${choices.labels.join('、')}）`, `${what.en} "${text}" is not in the plan (${choices.ids.join(', ')})`);
  }
}

const YES = new Set(['是', '已签', '已签字', '√', '✓', 'y', 'yes', 'true', '1']);
const NO = new Set(['否', '未签', '未签字', '×', 'x', 'n', 'no', 'false', '0']);

// ---- plan choices

interface Choices {
  /** What the template's drop-down offers. */
  labels: string[];
  ids: string[];
  /** Label or id → id. */
  byText: Map<string, string>;
}

/** The plan's names as drop-down labels; a name two entries share gets its id beside it, so each label means one entry. */
function choices(items: readonly { id: string; name: string }[]): Choices {
  const named = new Map<string, number>();
  for (const { name } of items) named.set(name, (named.get(name) ?? 0) + 1);
  const labels = items.map(({ id, name }) => (named.get(name) === 1 ? name : `${name}（${id}）`));
  const byText = new Map<string, string>();
  items.forEach(({ id }, i) => {
    byText.set(id, id);
    byText.set(labels[i]!, id);
  });
  return { labels, ids: items.map((i) => i.id), byText };
}

const categoryChoices = (rules: RosterRules) => choices(rules.standards.map((s) => ({ id: s.category, name: s.name })));
const sourceChoices = (rules: RosterRules) => choices(rules.fundingSources.map((s) => ({ id: s.id, name: s.name })));

function planUnit(plan: CampaignPlan, unitId: string): { rules: RosterRules; unit: Unit } {
  const unit = plan.units.find((u) => u.id === unitId);
  if (!unit) throw new Error(`unit ${unitId} is not in plan ${plan.id}`);
  if (!plan.rules) throw new Error(`plan ${plan.id} has no roster rules: its rosters are free text, not files`);
  return { rules: plan.rules, unit };
}

const standardRange = (min: number, max: number | undefined) => (max === undefined ? `${yuan(min)} 元以上` : `${yuan(min)}–${yuan(max)} 元`);

// ---- the template

const columnLetter = (index: number) => String.fromCharCode(65 + index); // the roster has fewer than 26 columns

/** The template a unit clerk downloads: the roster sheet with drop-downs, instructions, and the hidden list of choices. */
export async function rosterTemplateXlsx(plan: CampaignPlan, unitId: string): Promise<Buffer> {
  const { rules, unit } = planUnit(plan, unitId);
  const categories = categoryChoices(rules);
  const sources = sourceChoices(rules);
  const workbook = new ExcelJS.Workbook();

  const roster = workbook.addWorksheet(ROSTER_SHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
  roster.columns = ROSTER_COLUMNS.map((c) => ({ header: c.header, key: c.field, width: c.width }));
  // Excel turns an 18-digit number into 1.10101E+17 and loses its last digits: the ID column is text.
  roster.getColumn('idNumber').numFmt = '@';
  const header = roster.getRow(1);
  header.font = { bold: true };
  ROSTER_COLUMNS.forEach((c, i) => {
    if (c.required) header.getCell(i + 1).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' } };
  });

  // The lists live on a hidden sheet: a validation's inline list is capped at 255 characters.
  const choiceSheet = workbook.addWorksheet(CHOICES_SHEET, { state: 'hidden' });
  choiceSheet.getCell('A1').value = '类别';
  choiceSheet.getCell('B1').value = '资金来源';
  categories.labels.forEach((label, i) => (choiceSheet.getCell(i + 2, 1).value = label));
  sources.labels.forEach((label, i) => (choiceSheet.getCell(i + 2, 2).value = label));
  // As many rows as the unit may list: a longer range only makes the file bigger and slower to open.
  const lastRow = Math.max(1, Math.min(unit.quota, MAX_ROSTER_FILE_ROWS)) + 1;
  const dropDown = (field: RosterField, column: 'A' | 'B', count: number, what: string) => {
    const letter = columnLetter(ROSTER_COLUMNS.findIndex((c) => c.field === field));
    (roster as unknown as { dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void } }).dataValidations.add(`${letter}2:${letter}${lastRow}`, {
      type: 'list',
      allowBlank: true,
      formulae: [`'${CHOICES_SHEET}'!$${column}$2:$${column}$${count + 1}`],
      showErrorMessage: true,
      errorStyle: 'error',
      errorTitle: `${what}不在方案中`,
      error: `请从下拉列表中选择${what}`,
    });
  };
  dropDown('category', 'A', categories.labels.length, '类别');
  dropDown('fundingSource', 'B', sources.labels.length, '资金来源');

  const notes = workbook.addWorksheet(INSTRUCTIONS_SHEET);
  notes.getColumn(1).width = 100;
  const lines = [
    `${plan.title}：${unit.name}慰问名册填写说明`,
    '',
    `本单位名额：${yuan(unit.quota)} 户。名册每行一户，最多 ${yuan(Math.min(unit.quota, MAX_ROSTER_FILE_ROWS))} 行。`,
    '黄色标题的列必须填写；“序号”仅供核对，系统按行的先后编号。',
    '身份证号：18 位，末位可为 X；该列已设为文本，请勿改成数字（否则末几位会丢失）。',
    '拟发金额：整元，须在所选类别的标准之内：',
    ...rules.standards.map((s, i) => `    ${categories.labels[i]}：${standardRange(s.min, s.max)}`),
    '资金来源（从下拉列表中选择）：',
    ...sources.labels.map((label) => `    ${label}`),
    '同一户（身份证号相同）在名册中只能出现一次。',
    '保存为 .xlsx 上传；也可另存为 CSV（UTF-8 或 Excel 默认的中文编码均可）。',
  ];
  lines.forEach((line, i) => (notes.getCell(i + 1, 1).value = line));
  notes.getRow(1).font = { bold: true, size: 14 };

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

// ---- parsing

interface Parsed<F extends string> {
  layout: Layout<F>;
  rows: RowReader<F>[];
}

async function readRows<F extends string>(buffer: Buffer, format: FileFormat, specs: readonly ColumnSpec<F>[], preferredSheet: string, maxRows: number): Promise<Parsed<F> | RowProblem[]> {
  const sheet = await readSheet(buffer, format, preferredSheet);
  if (!('rows' in sheet)) return [sheet];
  const at = headerIndex(specs, sheet.rows);
  const layout = readHeader(specs, sheet.rows[at]);
  const data = sheet.rows.slice(at + 1);
  if (Array.isArray(layout)) return layout;
  if (data.length > maxRows) {
    return [{ code: 'TooManyRows', message: `文件有 ${yuan(data.length)} 行，一次最多 ${yuan(maxRows)} 行`, messageEn: `the file has ${data.length} rows; at most ${maxRows} at a time` }];
  }
  const bySpec = new Map(specs.map((s) => [s.field, s]));
  return { layout, rows: data.map(({ row, cells }) => new RowReader(bySpec, layout, row, cells)) };
}

/** Marks every row whose key (e.g. ID number) an earlier row has already. */
function duplicates<F extends string>(rows: { reader: RowReader<F>; key: string | number | undefined }[], field: F, what: { zh: string; en: string }) {
  const first = new Map<string | number, number>();
  for (const { reader, key } of rows) {
    if (key === undefined) continue;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, reader.row);
    else reader.fail(field, 'DuplicateInFile', `与第 ${earlier} 行${what.zh}相同`, `same ${what.en} as row ${earlier}`);
  }
}

export interface ParsedRoster {
  households: Household[];
  /** The file's row of each household, entry by entry: for naming what the store refuses (e.g. a household another unit lists). */
  rows: number[];
}

/** Every household of a roster file, checked against the plan's rules; any problem and none at all. */
export async function parseRosterFile(buffer: Buffer, options: { format: FileFormat; plan: CampaignPlan; unitId: string }): Promise<ParsedRoster | { problems: RowProblem[] }> {
  const { rules, unit } = planUnit(options.plan, options.unitId);
  const parsed = await readRows(buffer, options.format, ROSTER_COLUMNS, ROSTER_SHEET, MAX_ROSTER_FILE_ROWS);
  if (Array.isArray(parsed)) return { problems: parsed };
  const categories = categoryChoices(rules);
  const sources = sourceChoices(rules);

  const read = parsed.rows.map((r) => {
    const household: Partial<Household> = {
      name: r.text('name'),
      idNumber: r.idNumber('idNumber'),
      category: r.choice('category', categories, RosterFailure.UnknownCategory, { zh: '类别', en: 'category' }),
      amount: r.amount('amount'),
      goods: r.text('goods'),
      fundingSource: r.choice('fundingSource', sources, RosterFailure.UnknownFundingSource, { zh: '资金来源', en: 'funding source' }),
      address: r.text('address'),
      reason: r.text('reason'),
      illness: r.text('illness'),
    };
    return { reader: r, key: household.idNumber, household };
  });
  duplicates(read, 'idNumber', { zh: '的身份证号', en: 'ID number' });
  const good = read.filter((r) => !r.reader.problems.length);
  const problems = read.flatMap((r) => r.reader.problems);

  const households = good.map((r) => withoutAbsent(r.household) as Household);
  const rowOf = (entry: number) => good[entry - 1]!.reader.row;
  const standards = new Map(rules.standards.map((s, i) => [s.category, { ...s, label: categories.labels[i]! }]));
  for (const p of rosterProblems(rules, unit, households)) {
    // The quota counts the file's rows, bad ones too; an empty roster is only news when no row had a problem.
    if (p.type === RosterFailure.QuotaExceeded || (p.type === RosterFailure.RosterRequired && read.length)) continue;
    if (p.entry === undefined) {
      problems.push({ code: p.type, message: '名册中没有任何一户', messageEn: p.message });
      continue;
    }
    const row = rowOf(p.entry);
    const { amount, category } = households[p.entry - 1]!;
    const standard = standards.get(category);
    // The other entry problems (category, source, the same household twice) are caught above with the allowed values named.
    const outside = p.type === RosterFailure.AmountOutsideStandard && standard;
    const zh = outside ? `${yuan(amount)} 元不在「${standard.label}」的标准 ${standardRange(standard.min, standard.max)}之内` : p.message;
    const field = outside ? 'amount' : 'idNumber';
    const column = parsed.layout.columns.get(field)!.header;
    problems.push({ row, column, field, code: p.type, message: `第 ${row} 行「${column}」：${zh}`, messageEn: `row ${row}: ${p.message}` });
  }
  if (read.length > unit.quota) {
    problems.push({
      code: RosterFailure.QuotaExceeded,
      message: `名册共 ${yuan(read.length)} 户，超过本单位名额 ${yuan(unit.quota)} 户`,
      messageEn: `the roster lists ${read.length} households; unit ${unit.id}'s quota is ${unit.quota}`,
    });
  }
  problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  return problems.length ? { problems } : { households, rows: good.map((r) => r.reader.row) };
}

/** Optional fields left empty are absent, as the API's schema has them. */
function withoutAbsent<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

/** Every visit of a file, in batches of at most 1,000 in the file's order; any problem and none at all. */
export async function parseVisitsFile(buffer: Buffer, options: { format: FileFormat }): Promise<{ batches: VisitRow[][] } | { problems: RowProblem[] }> {
  const parsed = await readRows(buffer, options.format, VISIT_COLUMNS, VISITS_SHEET, MAX_VISIT_FILE_ROWS);
  if (Array.isArray(parsed)) return { problems: parsed };
  if (!parsed.layout.columns.has('entry') && !parsed.layout.columns.has('idNumber')) {
    const { row } = parsed.layout;
    return { problems: [{ row, code: 'MissingColumn', message: `第 ${row} 行：需要「序号」或「身份证号」列，用来找到名册中的那一户`, messageEn: `row ${row}: an entry or an ID number column is needed to find the household on the roster` }] };
  }
  if (!parsed.rows.length) return { problems: [{ code: 'EmptyFile', message: '文件中没有任何走访记录', messageEn: 'the file holds no visits' }] };
  const read = parsed.rows.map((r) => {
    if (isBlank(r.cell('entry')) && isBlank(r.cell('idNumber'))) {
      r.fail(parsed.layout.columns.has('entry') ? 'entry' : 'idNumber', 'Required', '序号和身份证号至少填一项', 'an entry number or an ID number is required');
    }
    const visit = {
      row: r.row,
      entry: r.entry('entry'),
      idNumber: isBlank(r.cell('idNumber')) ? undefined : r.idNumber('idNumber'),
      amount: r.amount('amount'),
      goods: r.text('goods'),
      visitedOn: r.date('visitedOn'),
      recipientSigned: r.yesNo('recipientSigned'),
      handler: r.text('handler'),
    };
    return { reader: r, visit };
  });
  duplicates(read.map((r) => ({ reader: r.reader, key: r.visit.entry })), 'entry', { zh: '的序号', en: 'entry' });
  duplicates(read.map((r) => ({ reader: r.reader, key: r.visit.idNumber })), 'idNumber', { zh: '的身份证号', en: 'ID number' });
  const problems = read.flatMap((r) => r.reader.problems).sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  if (problems.length) return { problems };
  // No problem: every required field was read.
  const visits = read.map((r) => withoutAbsent(r.visit) as VisitRow);
  const batches: VisitRow[][] = [];
  for (let i = 0; i < visits.length; i += VISIT_BATCH_SIZE) batches.push(visits.slice(i, i + VISIT_BATCH_SIZE));
  return { batches };
}
