import { wallClock, type Locale } from '../../domain/notification-text';

// What the printed and downloaded documents say, in Simplified Chinese first and in English on
// request. Times are the campaign's local time with the year: a document is filed and kept.

export interface DocumentWords {
  roster: {
    title: (campaign: string) => string;
    subtitle: (unit: string, phase: string, organizer: string) => string;
    columns: { entry: string; name: string; category: string; fundingSource: string; amount: string; goods: string; recipientSignature: string; handlerSignature: string };
    erased: string;
    total: (households: number, amount: string) => string;
    signatures: string;
  };
  report: {
    title: (campaign: string) => string;
    subtitle: (organizer: string, at: string) => string;
    sheets: { summary: string; fundingSources: string; categories: string; units: string; coverage: string };
    columns: {
      budget: string;
      households: string;
      approved: string;
      visited: string;
      paid: string;
      undisbursed: string;
      fundingSource: string;
      level: string;
      category: string;
      unit: string;
      unitId: string;
      status: string;
      coverage: string;
      milestone: (at: string, share: string) => string;
    };
    allLevels: string;
    levelTotal: (level: string) => string;
    forfeited: (phase: string) => string;
    taking: string;
  };
  total: string;
  continued: string;
  footer: (printedAt: string, page: number, pages: number) => string;
  yuan: (amount: number) => string;
  /** A local time as offices write it, with the year (2027年2月12日 17:00); a deadline at midnight as the day before at 24:00. */
  time: (instantMs: number, timeZone: string, deadline?: boolean) => string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const yuan = (locale: string) => (amount: number) => amount.toLocaleString(locale, { maximumFractionDigits: 2 });

export const WORDS: Record<Locale, DocumentWords> = {
  'zh-CN': {
    roster: {
      title: (campaign) => `${campaign}慰问名册`,
      subtitle: (unit, phase, organizer) => `单位：${unit}　　阶段：${phase}　　组织单位：${organizer}`,
      columns: { entry: '序号', name: '姓名', category: '类别', fundingSource: '资金来源', amount: '金额（元）', goods: '物资', recipientSignature: '慰问对象签字', handlerSignature: '经手人签字' },
      erased: '（已删除）',
      total: (households, amount) => `合计：${households} 户，金额 ${amount} 元`,
      signatures: '经手人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日　　（单位盖章）',
    },
    report: {
      title: (campaign) => `${campaign}汇总上报表`,
      subtitle: (organizer, at) => `组织单位：${organizer}　　生成时间：${at}`,
      sheets: { summary: '汇总', fundingSources: '资金来源及分级', categories: '类别', units: '单位', coverage: '走访覆盖' },
      columns: {
        budget: '预算（元）',
        households: '户数',
        approved: '核定金额（元）',
        visited: '已走访户数',
        paid: '已发放金额（元）',
        undisbursed: '未发放金额（元）',
        fundingSource: '资金来源',
        level: '承担层级',
        category: '类别',
        unit: '单位',
        unitId: '单位编号',
        status: '状态',
        coverage: '走访覆盖率',
        milestone: (at, share) => `截至${at}应走访${share}（户）`,
      },
      allLevels: '全部',
      levelTotal: (level) => `${level}级合计`,
      forfeited: (phase) => `${phase}逾期，视为自动放弃`,
      taking: '参与中',
    },
    total: '合计',
    continued: '（续）',
    footer: (printedAt, page, pages) => `打印时间：${printedAt}　　第 ${page} 页　共 ${pages} 页`,
    yuan: yuan('zh-CN'),
    time: (instantMs, timeZone, deadline) => {
      const { day, clock } = wallClock(instantMs, timeZone, deadline);
      return `${day.year}年${day.month}月${day.day}日 ${clock}`;
    },
  },
  en: {
    roster: {
      title: (campaign) => `${campaign}: roster of households visited`,
      subtitle: (unit, phase, organizer) => `Unit: ${unit}    Phase: ${phase}    Organizer: ${organizer}`,
      columns: { entry: 'No.', name: 'Name', category: 'Category', fundingSource: 'Funding source', amount: 'Amount (yuan)', goods: 'Goods', recipientSignature: 'Recipient’s signature', handlerSignature: 'Handler’s signature' },
      erased: '(erased)',
      total: (households, amount) => `Total: ${households} households, ${amount} yuan`,
      signatures: 'Handler: __________    Checked by: __________    Date: ____-____-____    (unit’s stamp)',
    },
    report: {
      title: (campaign) => `${campaign}: upward report`,
      subtitle: (organizer, at) => `Organizer: ${organizer}    Generated: ${at}`,
      sheets: { summary: 'Summary', fundingSources: 'Funding sources and levels', categories: 'Categories', units: 'Units', coverage: 'Visits coverage' },
      columns: {
        budget: 'Budget (yuan)',
        households: 'Households',
        approved: 'Approved (yuan)',
        visited: 'Visited',
        paid: 'Paid (yuan)',
        undisbursed: 'Undisbursed (yuan)',
        fundingSource: 'Funding source',
        level: 'Level',
        category: 'Category',
        unit: 'Unit',
        unitId: 'Unit id',
        status: 'Status',
        coverage: 'Coverage',
        milestone: (at, share) => `Due by ${at}: ${share} (households)`,
      },
      allLevels: 'all',
      levelTotal: (level) => `${level}, all sources`,
      forfeited: (phase) => `forfeited in the ${phase}`,
      taking: 'taking part',
    },
    total: 'Total',
    continued: ' (continued)',
    footer: (printedAt, page, pages) => `Printed ${printedAt}    Page ${page} of ${pages}`,
    yuan: yuan('en'),
    time: (instantMs, timeZone, deadline) => {
      const { day, clock } = wallClock(instantMs, timeZone, deadline);
      return `${day.day} ${MONTHS[day.month - 1]} ${day.year} ${clock}`;
    },
  },
};
