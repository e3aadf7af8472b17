import example from '../examples/plan-1-sub-district-spring.json';
import { campaignPlanSchema, channelOf, planDurationSchema, type CampaignPlanInput } from '../domain/plan';
import { PlanDatesNotUnderstood, resolvePlanDates } from '../domain/plan-dates';

// Plan 1 (街道春节送温暖) transcribed for the 2026/27 season in its own words: visits on 2/9–2/10,
// signed rosters 2月13日前交街道民政办; and plan 4's 至元宵节结束.
const phasesInWords = [
  { opensAt: '12月1日', cutoff: '12月31日17:00前' },
  { opensAt: '1月4日', cutoff: '1月20日17:00前' },
  { opensAt: '2月9日', cutoff: '2月13日前', milestones: [{ at: '2月10日', coverage: 1 }] },
  { opensAt: '2月14日', cutoff: '2月28日前' },
];
const plan1InWords = (changes: Partial<CampaignPlanInput> = {}): CampaignPlanInput =>
  ({
    ...example.plan,
    id: 'subdistrict-spring-2027',
    seasonStart: '2026-12-01',
    phases: example.plan.phases.map((phase, i) => ({ ...phase, ...phasesInWords[i] })),
    ...changes,
  }) as CampaignPlanInput;

describe('a plan in the offices’ own dates', () => {
  it('given plan 1 for 2027, should resolve its visits and its 2月13日前 deadline to Beijing instants the plan schema accepts', () => {
    const resolved = resolvePlanDates(plan1InWords());
    expect(resolved.seasonStart).toBe('2026-12-01T00:00:00+08:00');
    expect(resolved.phases.map((p) => [p.opensAt, p.cutoff])).toEqual([
      ['2026-12-01T00:00:00+08:00', '2026-12-31T17:00:00+08:00'],
      ['2027-01-04T00:00:00+08:00', '2027-01-20T17:00:00+08:00'],
      ['2027-02-09T00:00:00+08:00', '2027-02-14T00:00:00+08:00'],
      ['2027-02-14T00:00:00+08:00', '2027-03-01T00:00:00+08:00'],
    ]);
    expect(resolved.phases[2]!.milestones).toEqual([{ at: '2027-02-11T00:00:00+08:00', coverage: 1 }]);
    const plan = campaignPlanSchema.parse(resolved);
    expect(Date.parse(plan.phases[2]!.cutoff)).toBe(Date.parse('2027-02-13T16:00:00Z'));
  });

  it('given plan 4’s visits 至元宵节结束, should end them at the end of 20 February 2027, in either script', () => {
    const words = [...phasesInWords];
    words[2] = { opensAt: '1月21日', cutoff: '至元宵節結束' };
    words[3] = { opensAt: '元宵节结束', cutoff: '3月10日前' };
    const resolved = resolvePlanDates(plan1InWords({ phases: example.plan.phases.map((phase, i) => ({ ...phase, ...words[i] })) as CampaignPlanInput['phases'] }));
    expect([resolved.phases[2]!.cutoff, resolved.phases[3]!.opensAt]).toEqual(['2027-02-21T00:00:00+08:00', '2027-02-21T00:00:00+08:00']);
    expect(campaignPlanSchema.safeParse(resolved).success).toBe(true);
  });

  it('given no season start, should take the year from the first opening when it has one', () => {
    const phases = example.plan.phases.map((phase, i) => ({ ...phase, ...phasesInWords[i], ...(i === 0 ? { opensAt: '2026-12-01T09:00' } : {}) }));
    const resolved = resolvePlanDates(plan1InWords({ seasonStart: undefined, phases: phases as CampaignPlanInput['phases'] }));
    expect(resolved.phases[0]!.opensAt).toBe('2026-12-01T09:00:00+08:00');
    expect(resolved.phases[2]!.cutoff).toBe('2027-02-14T00:00:00+08:00');
  });

  it('given instants already in ISO-8601, should leave their meaning unchanged', () => {
    const resolved = resolvePlanDates(example.plan);
    expect(resolved.phases.map((p) => Date.parse(p.cutoff))).toEqual(example.plan.phases.map((p) => Date.parse(p.cutoff)));
  });

  it('given dates without a year to take and one it cannot read, should list every one with its path and a Chinese reason', () => {
    const refusal = (() => {
      try {
        resolvePlanDates(plan1InWords({ seasonStart: undefined, phases: example.plan.phases.map((phase, i) => ({ ...phase, ...phasesInWords[i], ...(i === 3 ? { cutoff: '月底' } : {}) })) as CampaignPlanInput['phases'] }));
      } catch (err) {
        return err as PlanDatesNotUnderstood;
      }
      throw new Error('resolved');
    })();
    expect(refusal).toBeInstanceOf(PlanDatesNotUnderstood);
    expect(refusal.issues.map((i) => i.path.join('.'))).toEqual([
      'phases.0.opensAt', 'phases.0.cutoff', 'phases.1.opensAt', 'phases.1.cutoff', 'phases.2.opensAt', 'phases.2.cutoff', 'phases.2.milestones.0.at', 'phases.3.opensAt', 'phases.3.cutoff',
    ]);
    expect(refusal.issues[0]!.message).toMatch(/^无法理解日期“12月1日”:没有写年份/);
    expect(refusal.issues.at(-1)!.message).toMatch(/^无法理解日期“月底”:可写/);
  });
});

describe('a person’s channel in the plan', () => {
  it('given a WeCom robot and English, should keep them; given only a webhook, should tell on the webhook as before', () => {
    const wecom = { type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' };
    const plan = campaignPlanSchema.parse({ ...example.plan, coordinator: { ...example.plan.coordinator, notify: { ...example.plan.coordinator.notify, channel: wecom, locale: 'en' } } });
    expect(channelOf(plan.coordinator.notify)).toEqual({ ...wecom, format: 'markdown' });
    expect(plan.coordinator.notify.locale).toBe('en');
    expect(channelOf(plan.units[0]!.notify)).toEqual({ type: 'webhook', url: example.plan.units[0]!.notify.webhook });
  });

  it('given a DingTalk robot without its secret, should refuse the plan at that path', () => {
    const result = campaignPlanSchema.safeParse({ ...example.plan, coordinator: { ...example.plan.coordinator, notify: { ...example.plan.coordinator.notify, channel: { type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t' } } } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['coordinator.notify.channel.secret']);
  });

  it('given working days beside ISO durations, the duration schema the workflows will take should accept P3WD and refuse months', () => {
    expect(planDurationSchema.safeParse('P3WD').success).toBe(true);
    expect(planDurationSchema.safeParse('P2D').success).toBe(true);
    expect(planDurationSchema.safeParse('P1M').success).toBe(false);
  });
});
