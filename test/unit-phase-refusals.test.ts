import { submissionRefusal } from '../domain/unit-phase';
import { UnitPhaseFailure } from '../workflows/unit/messages';

// "Not open yet" is said only of a request received before the opening instant (issue 12): a busy
// workflow that has not acted on its opening yet still takes what was received after it.

const opensAt = '2026-12-01T09:00:00+08:00';
const cutoff = '2026-12-30T17:00:00+08:00';
const scheduled = { status: 'scheduled' as const, opensAt, cutoff, unitId: 'union-1', phase: 'preparation' as const, expects: 'applicant-roster' as const, submissions: 0 };

test('given a unit phase still scheduled, a request received before its opening should be refused as not open yet', () => {
  expect(submissionRefusal(scheduled, Date.parse(opensAt) - 1, 'applicant-roster')?.type).toBe(UnitPhaseFailure.NotOpenYet);
});

test('given a unit phase still scheduled, a request received after its opening should be judged as open: taken before the cutoff, late after it', () => {
  expect(submissionRefusal(scheduled, Date.parse(opensAt), 'applicant-roster')).toBeUndefined();
  expect(submissionRefusal(scheduled, Date.parse(cutoff), 'applicant-roster')?.type).toBe(UnitPhaseFailure.CutoffPassed);
  expect(submissionRefusal(scheduled, Date.parse(opensAt) + 1, 'summary-report')?.type).toBe(UnitPhaseFailure.WrongSubmissionKind);
});
