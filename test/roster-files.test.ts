import ExcelJS from 'exceljs';
import { parseRosterFile, parseVisitsFile, rosterTemplateXlsx, ROSTER_SHEET, type RowProblem } from '../api/roster-files';
import { householdSchema } from '../domain/household';
import { idNumberProblem } from '../domain/id-number';
import { campaignPlanSchema } from '../domain/plan';
import { subDistrictSpringPlan } from './harness/plans';
import { generateHouseholds, idNumber, rosterXlsx } from './harness/roster-fixtures';

// Roster and visit files as a unit clerk makes them in Excel: the template, XLSX and CSV (UTF-8
// or GB18030), every bad row named by its Excel row and column, nothing returned when any is bad.

const basePlan = subDistrictSpringPlan({ id: 'roster-files', webhook: (p) => `http://127.0.0.1:1/${p}` });
const plan = campaignPlanSchema.parse({ ...basePlan, units: basePlan.units.map((u, i) => (i === 0 ? { ...u, quota: 20_000 } : { ...u, quota: 3 })) });
const unitId = plan.units[0]!.id;
const smallUnit = plan.units[1]!.id;

const HEADER = '序号,姓名,身份证号,类别,拟发金额(元),物资,资金来源,家庭住址,困难原因,病情';
const csv = (...lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
const ids = Array.from({ length: 10 }, (_, i) => idNumber(5_000 + i));
/** One ending in the X check digit, to write with a lower-case x. */
const idX = Array.from({ length: 100 }, (_, i) => idNumber(6_000 + i)).find((id) => id.endsWith('X'))!;
const lowerX = idX.toLowerCase();

const problemsOf = (result: object): RowProblem[] => {
  expect(result).not.toHaveProperty('households');
  expect(result).not.toHaveProperty('batches');
  return (result as { problems: RowProblem[] }).problems;
};
const brief = (problems: RowProblem[]) => problems.map(({ row, column, code }) => ({ row, column, code }));

/** GB18030 as Excel in China writes it, for the two-byte characters a test uses (decoder inverted: no encoder in Node). */
function gb18030(text: string): Buffer {
  const decoder = new TextDecoder('gb18030');
  const table = new Map<string, number[]>();
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) if (trail !== 0x7f) table.set(decoder.decode(Uint8Array.of(lead, trail)), [lead, trail]);
  }
  return Buffer.from(
    [...text].flatMap((ch) => {
      if (ch.charCodeAt(0) < 0x80) return [ch.charCodeAt(0)];
      const bytes = table.get(ch);
      if (!bytes) throw new Error(`no two-byte GB18030 code for ${ch}`);
      return bytes;
    }),
  );
}

describe('the roster template', () => {
  test('given a plan and a unit, the template should offer the plan’s categories and funding sources as drop-downs from a hidden sheet, freeze its header, keep ID numbers as text, and explain the quota and standards', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await rosterTemplateXlsx(plan, smallUnit)) as unknown as ArrayBuffer);
    const roster = workbook.getWorksheet(ROSTER_SHEET)!;
    expect(workbook.worksheets[0]!.name).toBe(ROSTER_SHEET);
    expect((roster.getRow(1).values as unknown[]).slice(1)).toEqual(HEADER.split(','));
    expect(roster.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(roster.getColumn(3).numFmt).toBe('@');
    expect(roster.getColumn(8).width).toBeGreaterThan(roster.getColumn(1).width!);

    const validations = (roster as unknown as { dataValidations: { model: Record<string, ExcelJS.DataValidation> } }).dataValidations.model;
    expect(validations.D2).toMatchObject({ type: 'list', formulae: ["'选项'!$A$2:$A$5"] });
    expect(validations.G4).toMatchObject({ type: 'list', formulae: ["'选项'!$B$2:$B$7"] });
    expect(validations.G5).toBeUndefined(); // as many rows as the unit's quota of 3
    const choices = workbook.getWorksheet('选项')!;
    expect(choices.state).toBe('hidden');
    expect(choices.getColumn(1).values.slice(2)).toEqual(plan.rules!.standards.map((s) => s.name));
    expect(choices.getColumn(2).values.slice(2)).toEqual(plan.rules!.fundingSources.map((s) => s.name));

    const notes = (workbook.getWorksheet('填写说明')!.getColumn(1).values as string[]).join('\n');
    expect(notes).toContain('本单位名额：3 户');
    expect(notes).toContain('一般慰問對象：200–600 元');
    expect(notes).toContain('雷鋒慈善會慰問對象：1,000 元以上');
  });

  test('given the template filled in by a clerk choosing categories and sources by name, the parser should read the households with the plan’s ids', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await rosterTemplateXlsx(plan, smallUnit)) as unknown as ArrayBuffer);
    const roster = workbook.getWorksheet(ROSTER_SHEET)!;
    roster.addRow([1, '张三丰', ids[0], '重點慰問對象', 800, '米1袋', '街道慰問金', '东风路1号', '独居老人', '高血压']);
    roster.addRow([2, '李四', ids[1], '一般慰問對象', '300', undefined, '區殘聯', undefined, '残疾']);
    const result = await parseRosterFile(Buffer.from(await workbook.xlsx.writeBuffer()), { format: 'xlsx', plan, unitId: smallUnit });

    expect(result).toEqual({
      households: [
        { name: '张三丰', idNumber: ids[0], category: 'key', amount: 800, goods: '米1袋', fundingSource: 'sub-district', address: '东风路1号', reason: '独居老人', illness: '高血压' },
        { name: '李四', idNumber: ids[1], category: 'general', amount: 300, fundingSource: 'disabled-federation', reason: '残疾' },
      ],
      rows: [2, 3],
    });
  });
});

describe('parsing a roster file', () => {
  test('given 20,000 generated households as XLSX, the parser should return every one as the API’s schema accepts it, quickly', async () => {
    const households = generateHouseholds(20_000, plan, unitId, 7);
    const file = await rosterXlsx(households);
    const [started, cpu] = [performance.now(), process.cpuUsage()];
    const result = await parseRosterFile(file, { format: 'xlsx', plan, unitId });
    const ms = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    process.stdout.write(`roster-files: 20,000-row XLSX (${(file.length / 1e6).toFixed(1)} MB) parsed in ${Math.round(ms)} ms (${Math.round((user + system) / 1000)} ms CPU)\n`);

    if (!('households' in result)) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
    expect(result.households).toEqual(households);
    expect(result.rows.at(-1)).toBe(20_001);
    expect(new Set(result.households.map((h) => h.idNumber)).size).toBe(20_000);
    for (const h of result.households.slice(0, 500)) expect(idNumberProblem(h.idNumber)).toBeUndefined();
    expect(result.households.every((h) => householdSchema.safeParse(h).success)).toBe(true);
    expect(ms).toBeLessThan(15_000); // 1.3 s of CPU; jest and a shared 2-core machine make it several times that
  });

  test('given a UTF-8 CSV with a BOM, English headers in another order and quoted fields with commas, quotes and line breaks, the parser should read each field whole', async () => {
    const file = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      csv('name,idNumber,fundingSource,category,amount,reason,address', `"王, 五",${lowerX},sub-district,general,"1,200元","说""困难""
两行",东风路`),
    ]);
    const result = await parseRosterFile(file, { format: 'csv', plan, unitId: smallUnit });
    // 1,200 is outside general's 200–600: the rule check names the row and the amount.
    expect(brief(problemsOf(result))).toEqual([{ row: 2, column: 'amount', code: 'AmountOutsideStandard' }]);
    expect(problemsOf(result)[0]!.message).toBe('第 2 行「amount」：1,200 元不在「一般慰問對象」的标准 200–600 元之内');

    const fixed = Buffer.from(file.toString('utf8').replace('1,200元', '600'), 'utf8');
    expect(await parseRosterFile(fixed, { format: 'csv', plan, unitId: smallUnit })).toEqual({
      households: [{ name: '王, 五', idNumber: idX, fundingSource: 'sub-district', category: 'general', amount: 600, reason: '说"困难"\n两行', address: '东风路' }],
      rows: [2],
    });
  });

  test('given a CSV saved by Excel in China (GB18030), the parser should decode it', async () => {
    const file = gb18030([HEADER, `1,张三,${ids[3]},一般慰問對象,400,,街道慰問金,东风路,低保户`].join('\r\n'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(file)).toThrow();
    expect(await parseRosterFile(file, { format: 'csv', plan, unitId: smallUnit })).toMatchObject({ households: [{ name: '张三', category: 'general', fundingSource: 'sub-district', reason: '低保户' }] });
  });

  test('given a file with bad rows, the parser should name every one by Excel row and column, in Chinese with English beside, and return no household', async () => {
    const file = csv(
      HEADER,
      `1,张三,${idX},一般慰問對象,400,,街道慰問金,,低保户`,
      `2,,${ids[1]},一般慰問對象,400,,街道慰問金,,低保户`, // row 3: no name
      `3,王五,12345,一般慰問對象,400,,街道慰問金,,低保户`, // row 4: not 18 characters
      `4,赵六,${ids[4]!.slice(0, 16)}${(Number(ids[4]![16]) + 1) % 10}${ids[4]![17]},一般慰問對象,400,,街道慰問金,,低保户`, // row 5: a mistyped digit
      ',,,,,,,,', // row 6: blank, skipped but counted
      `6,钱七,${ids[6]},困难户,abc,,财政,,低保户`, // row 7: unknown category, amount not a number, unknown source
      `7,孙八, ${lowerX} ,重點慰問對象,1200,,街道慰問金,,低保户`, // row 8: row 2's household again; 1,200 above key's 1,000
    );
    const problems = problemsOf(await parseRosterFile(file, { format: 'csv', plan, unitId }));
    expect(brief(problems)).toEqual([
      { row: 3, column: '姓名', code: 'Required' },
      { row: 4, column: '身份证号', code: 'IdNumberMalformed' },
      { row: 5, column: '身份证号', code: 'IdNumberCheckDigit' },
      { row: 7, column: '类别', code: 'UnknownCategory' },
      { row: 7, column: '拟发金额(元)', code: 'AmountNotNumber' },
      { row: 7, column: '资金来源', code: 'UnknownFundingSource' },
      { row: 8, column: '身份证号', code: 'DuplicateInFile' },
    ]);
    const byCode = Object.fromEntries(problems.map((p) => [p.code, p]));
    expect(byCode.Required).toMatchObject({ field: 'name', message: '第 3 行「姓名」：不能为空', messageEn: 'row 3, name: required' });
    expect(byCode.UnknownCategory!.message).toBe('第 7 行「类别」：类别“困难户”不在方案中（可选：一般慰問對象、特定慰問對象、重點慰問對象、雷鋒慈善會慰問對象）');
    expect(byCode.UnknownFundingSource!.messageEn).toContain('(city-district-finance, civil-affairs-relief, leifeng-charity, organization-dept, disabled-federation, sub-district)');
    expect(byCode.DuplicateInFile!.message).toBe('第 8 行「身份证号」：与第 2 行的身份证号相同');
  });

  test('given an ID number Excel stored as a number, the parser should say the digits are lost and how to keep them', async () => {
    const households = generateHouseholds(1, plan, smallUnit, 1);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await rosterXlsx(households)) as unknown as ArrayBuffer);
    workbook.getWorksheet(ROSTER_SHEET)!.getCell('C2').value = 110101194001010000;
    const problems = problemsOf(await parseRosterFile(Buffer.from(await workbook.xlsx.writeBuffer()), { format: 'xlsx', plan, unitId: smallUnit }));
    expect(problems).toEqual([expect.objectContaining({ row: 2, column: '身份证号', code: 'IdNumberMalformed', message: expect.stringContaining('设为“文本”') })]);
  });

  test('given more households than the unit’s quota, the parser should refuse the roster as a whole', async () => {
    const rows = generateHouseholds(4, plan, smallUnit, 2).map((h, i) => `${i + 1},${h.name},${h.idNumber},${h.category},${h.amount},,${h.fundingSource},,${h.reason}`);
    const problems = problemsOf(await parseRosterFile(csv(HEADER, ...rows), { format: 'csv', plan, unitId: smallUnit }));
    expect(problems).toEqual([{ code: 'QuotaExceeded', message: '名册共 4 户，超过本单位名额 3 户', messageEn: "the roster lists 4 households; unit community-2's quota is 3" }]);
  });

  test('given a title row above the header, as offices write them, the parser should find the header and keep Excel’s row numbers', async () => {
    const file = csv('东风村2027年春节慰问名册,,,,,,,,,', HEADER, `1,张三,${ids[7]},一般慰問對象,400,,街道慰問金,,低保户`, `2,李四,${ids[8]},一般慰問對象,700,,街道慰問金,,低保户`);
    expect(brief(problemsOf(await parseRosterFile(file, { format: 'csv', plan, unitId })))).toEqual([{ row: 4, column: '拟发金额(元)', code: 'AmountOutsideStandard' }]);
  });

  test('given a header with an unknown or repeated column, or without a required one, the parser should name it on row 1', async () => {
    const problems = problemsOf(await parseRosterFile(csv('姓名,身份证号,类别,类别,金额,资金来源,备注', '张三'), { format: 'csv', plan, unitId }));
    expect(brief(problems)).toEqual([
      { row: 1, column: '类别', code: 'DuplicateColumn' },
      { row: 1, column: '备注', code: 'UnknownColumn' },
      { row: 1, column: undefined, code: 'MissingColumn' },
    ]);
    expect(problems[2]!.message).toBe('第 1 行：缺少「困难原因」列');
  });

  test('given a file that is not what it claims, the parser should say so', async () => {
    expect(brief(problemsOf(await parseRosterFile(csv('not a spreadsheet'), { format: 'xlsx', plan, unitId })))).toEqual([{ row: undefined, column: undefined, code: 'UnreadableFile' }]);
    expect(brief(problemsOf(await parseRosterFile(csv(HEADER, '1,"张三'), { format: 'csv', plan, unitId })))).toEqual([{ row: 2, column: undefined, code: 'CsvMalformed' }]);
  });
});

describe('parsing a visits file', () => {
  const VISITS = '序号,姓名,身份证号,发放金额(元),物资,走访日期,领取人签字,经办人';

  test('given 2,500 visits, the parser should return them in batches of 1,000 in the file’s order, each with its row', async () => {
    const lines = Array.from({ length: 2_500 }, (_, i) => `${i + 1},户主,,400,米1袋,2027/2/${1 + (i % 9)},是,王干事`);
    const result = await parseVisitsFile(csv(VISITS, ...lines), { format: 'csv' });
    if (!('batches' in result)) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
    expect(result.batches.map((b) => b.length)).toEqual([1_000, 1_000, 500]);
    expect(result.batches[2]!.at(-1)).toEqual({ row: 2_501, entry: 2_500, amount: 400, goods: '米1袋', visitedOn: '2027-02-07', recipientSigned: true, handler: '王干事' });
  });

  test('given an XLSX with date cells, an ID number instead of an entry and 否 for unsigned, the parser should read them', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('走访登记');
    sheet.addRow(['身份证号', '发放金额(元)', '走访日期', '领取人签字', '经办人']);
    sheet.addRow([lowerX, 0, new Date(Date.UTC(2027, 1, 9)), '否', '李医生']);
    sheet.addRow([ids[6], 0, 46_427, true, '李医生']); // 46427: Excel's day number for 2027-02-09
    expect(await parseVisitsFile(Buffer.from(await workbook.xlsx.writeBuffer()), { format: 'xlsx' })).toEqual({
      batches: [
        [
          { row: 2, idNumber: idX, amount: 0, visitedOn: '2027-02-09', recipientSigned: false, handler: '李医生' },
          { row: 3, idNumber: ids[6], amount: 0, visitedOn: '2027-02-09', recipientSigned: true, handler: '李医生' },
        ],
      ],
    });
  });

  test('given bad visit rows, the parser should name each and return no batch', async () => {
    const file = csv(
      VISITS,
      '1,张三,,400,,2027-02-09,是,王干事',
      ',李四,,400,,2027-02-09,是,王干事', // row 3: neither entry nor ID number
      '3,王五,,400,,2027-02-30,签了,', // row 4: no such day, not yes/no, no handler
      '1,张三,,400,,2027-02-10,是,王干事', // row 5: entry 1 again
    );
    expect(brief(problemsOf(await parseVisitsFile(file, { format: 'csv' })))).toEqual([
      { row: 3, column: '序号', code: 'Required' },
      { row: 4, column: '走访日期', code: 'DateMalformed' },
      { row: 4, column: '领取人签字', code: 'NotYesNo' },
      { row: 4, column: '经办人', code: 'Required' },
      { row: 5, column: '序号', code: 'DuplicateInFile' },
    ]);
  });

  test('given a visits file that cannot name the household, the parser should ask for an entry or ID number column', async () => {
    expect(brief(problemsOf(await parseVisitsFile(csv('发放金额,走访日期,领取人签字,经办人', '400,2027-02-09,是,王干事'), { format: 'csv' })))).toEqual([{ row: 1, column: undefined, code: 'MissingColumn' }]);
  });
});
