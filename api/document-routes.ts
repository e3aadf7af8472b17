import { z } from 'zod';
import { reportPdf } from '../console/documents/report-pdf';
import { reportTables } from '../console/documents/report-tables';
import { reportXlsx } from '../console/documents/report-xlsx';
import { signedRosterPdf } from '../console/documents/roster-pdf';
import { phaseWord, type Locale } from '../domain/notification-text';
import type { Campaigns } from './campaigns';
import { ApiError } from './errors';
import { FILE_MEDIA_TYPES, fileUnit, PDF_MEDIA_TYPE, READ, route, type Route } from './routes';
import { campaignParams, unitPhaseParams } from './schemas';

// The documents people print and file: a unit's signed roster (慰问名册) and the upward report
// (汇总上报) as a workbook and as a PDF. Rows of the same route table (api/routes.ts), authorized
// by the same ACCESS table; the builders (console/documents) are pure functions of the data.

const LANGUAGE = 'Simplified Chinese; English when Accept-Language prefers it.';

/** A file name for any browser: an ASCII fallback, and the Chinese one (RFC 6266). */
const disposition = (kind: 'inline' | 'attachment', ascii: string, name: string) => `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;

/** The report's tables in the caller's language, times in the campaign's time zone. */
async function reportDocument(campaigns: Campaigns, campaignId: string, locale: Locale) {
  const [report, plan] = await Promise.all([campaigns.report(campaignId), campaigns.plan(campaignId)]);
  const now = Date.now();
  const milestones = plan.phases.find((p) => p.name === 'visiting')?.milestones ?? [];
  return { plan, now, document: reportTables(report, { timeZone: plan.timezone, generatedAt: now, milestones }, locale) };
}

export const documentRoutes: Route[] = [
  route({
    operationId: 'printRoster',
    method: 'get',
    path: '/campaigns/:campaignId/phases/:phase/units/:unitId/roster.pdf',
    summary: `The signed roster (慰问名册) to print: the unit's approved households by name, category, funding source and amount, with empty columns for the recipient's and the handler's signatures and a date line; title and header on every page. ${LANGUAGE} 409 when the plan has no roster rules or nothing is approved yet.`,
    tag: 'units',
    action: 'printRoster',
    params: unitPhaseParams,
    response: { status: 200, description: 'PDF', schema: z.instanceof(Buffer), mediaType: PDF_MEDIA_TYPE },
    errors: [...READ, 409],
    handle: async ({ params, campaigns, locale }) => {
      const { plan, unit } = await fileUnit(campaigns, params);
      // A unit that has no part in the phase is a 404 that says why.
      await campaigns.unitPhase(params.campaignId, params.phase, params.unitId);
      const entries = await campaigns.approvedRoster(params.campaignId, params.unitId);
      if (!entries.length) throw new ApiError(409, 'roster-not-approved', `${unit.name}尚无审核通过的名册,无法打印 (unit ${unit.id} has no approved roster to print yet)`);
      const categories = new Map(plan.rules!.standards.map((s) => [s.category, s.name]));
      const sources = new Map(plan.rules!.fundingSources.map((s) => [s.id, s.name]));
      const pdf = await signedRosterPdf(
        {
          campaignTitle: plan.title,
          organizer: plan.organizer,
          unitName: unit.name,
          phase: phaseWord(params.phase, locale),
          timeZone: plan.timezone,
          printedAt: Date.now(),
          entries: entries.map((e) => ({ ...e, category: categories.get(e.category) ?? e.category, fundingSource: sources.get(e.fundingSource) ?? e.fundingSource })),
        },
        locale,
      );
      return { body: pdf, headers: { 'Content-Disposition': disposition('inline', 'roster.pdf', `${plan.title}-${unit.name}-慰问名册.pdf`), 'Content-Language': locale } };
    },
  }),
  route({
    operationId: 'readReportXlsx',
    method: 'get',
    path: '/campaigns/:campaignId/report.xlsx',
    summary: `The upward report (汇总上报) as a workbook: sheets for the totals, funding sources by level, categories, units and the visits' coverage against the plan's milestones; amounts in yuan. ${LANGUAGE}`,
    tag: 'campaigns',
    action: 'readReport',
    params: campaignParams,
    response: { status: 200, description: 'XLSX', schema: z.instanceof(Buffer), mediaType: FILE_MEDIA_TYPES.xlsx },
    errors: READ,
    handle: async ({ params, campaigns, locale }) => {
      const { plan, document } = await reportDocument(campaigns, params.campaignId, locale);
      return { body: await reportXlsx(document), headers: { 'Content-Disposition': disposition('attachment', 'report.xlsx', `${plan.title}-汇总上报.xlsx`), 'Content-Language': locale } };
    },
  }),
  route({
    operationId: 'readReportPdf',
    method: 'get',
    path: '/campaigns/:campaignId/report.pdf',
    summary: `The upward report (汇总上报) to print: the same tables as report.xlsx, each with its header on every page it runs to. ${LANGUAGE}`,
    tag: 'campaigns',
    action: 'readReport',
    params: campaignParams,
    response: { status: 200, description: 'PDF', schema: z.instanceof(Buffer), mediaType: PDF_MEDIA_TYPE },
    errors: READ,
    handle: async ({ params, campaigns, locale }) => {
      const { plan, now, document } = await reportDocument(campaigns, params.campaignId, locale);
      const pdf = await reportPdf(document, { printedAt: now, timeZone: plan.timezone, organizer: plan.organizer }, locale);
      return { body: pdf, headers: { 'Content-Disposition': disposition('inline', 'report.pdf', `${plan.title}-汇总上报.pdf`), 'Content-Language': locale } };
    },
  }),
];
