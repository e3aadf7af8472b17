import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createEncryptionCodec, encryptingDataConverter, ENCRYPTED_ENCODING, generatePayloadKey, KEY_ID_METADATA, PayloadDecodeError, type PayloadKeys } from '../config/codec';
import { campaignStartOptions } from '../domain/campaign-start';
import { unitPhaseWorkflowId } from '../domain/workflow-ids';
import { planOutline } from '../store/records';
import { getUnitPhaseState, review, submit } from '../workflows/unit/messages';
import { TEST_HOUSEHOLD_KEY_SECRET } from './harness/postgres';
import { eventually, withPreparationSoon } from './harness/api';
import { CampaignDriver, wakeUnitWorkflow } from './harness/campaign-driver';
import { loadHistoryFixtures } from './harness/histories';
import { unionWinterPlan } from './harness/plans';
import { createTestStore } from './harness/postgres';
import { createDevServerEnv, createTestWorker, TEST_PAYLOAD_KEYS, testDataConverter, uniqueId, WEBHOOK_SECRET } from './harness/temporal';
import { realServer } from './harness/per-test';

// Household data must reach Temporal only as ciphertext. The histories are read raw (no codec)
// from a real dev server and searched byte by byte for the names, ID numbers and report text.

// Household facts as a unit clerk types them (plan 1's categories; the ID number is made up but well-formed).
const HOUSEHOLD_NAME = '張桂英';
const ID_NUMBER = '430521195603127825';
const REPORT = `困難戶${HOUSEHOLD_NAME}(身份證號${ID_NUMBER}),自付醫療費五萬元以上,家中兩人殘疾`;
const REJECTION = `${HOUSEHOLD_NAME}戶的殘疾證明缺少複印件`;
const SECRETS = [HOUSEHOLD_NAME, ID_NUMBER, REPORT, REJECTION];

const keySet = (ids: string[], active: string): PayloadKeys => ({ keys: new Map(ids.map((id) => [id, Buffer.from(generatePayloadKey(), 'base64')])), activeKeyId: active });
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const encodedHistory = (history: temporal.api.history.v1.IHistory) => Buffer.from(temporal.api.history.v1.History.encode(history).finish());
const jsonPayload = (value: unknown): Payload => ({ metadata: { encoding: utf8('json/plain') }, data: utf8(JSON.stringify(value)) });

describe('the payload codec on its own', () => {
  test('given a payload encrypted with an old key, when the key set is rotated (new active key, old one kept), it should still decode, and new payloads should use the new key', async () => {
    const old = keySet(['2024a'], '2024a');
    const rotated: PayloadKeys = { keys: new Map([...old.keys, ['2025a', Buffer.from(generatePayloadKey(), 'base64')]]), activeKeyId: '2025a' };
    const [sealed] = await createEncryptionCodec(old).encode([jsonPayload({ report: REPORT })]);
    expect(Buffer.from(sealed!.metadata![KEY_ID_METADATA]!).toString()).toBe('2024a');
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed!.data!).includes(utf8(HOUSEHOLD_NAME))).toBe(false);

    const codec = createEncryptionCodec(rotated);
    const [opened] = await codec.decode([sealed!]);
    expect(JSON.parse(Buffer.from(opened!.data!).toString())).toEqual({ report: REPORT });
    const [resealed] = await codec.encode([opened!]);
    expect(Buffer.from(resealed!.metadata![KEY_ID_METADATA]!).toString()).toBe('2025a');
  });

  test('given a payload without the encrypted encoding (written before encryption), when decoded, it should pass through unchanged', async () => {
    const plain = jsonPayload({ report: '舊活動的報告' });
    expect(await createEncryptionCodec(TEST_PAYLOAD_KEYS).decode([plain])).toEqual([plain]);
  });

  test('given a dropped key, a tampered payload or a key id swapped in the metadata, when decoded, it should refuse naming the key id and never the key', async () => {
    const keys = keySet(['a', 'b'], 'a');
    const [sealed] = await createEncryptionCodec(keys).encode([jsonPayload(REPORT)]);
    const withoutA = createEncryptionCodec({ keys: new Map([['b', keys.keys.get('b')!]]), activeKeyId: 'b' });
    await expect(withoutA.decode([sealed!])).rejects.toThrow(new PayloadDecodeError('payload encrypted with key "a", which is not configured: add it back to PAYLOAD_KEYS'));

    const tampered = Buffer.from(sealed!.data!);
    tampered[20] = tampered[20]! ^ 1;
    await expect(createEncryptionCodec(keys).decode([{ ...sealed!, data: tampered }])).rejects.toThrow(/failed authentication with key "a"/);
    const swapped = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: utf8('b') } };
    const failure = await createEncryptionCodec(keys).decode([swapped]).catch((err: Error) => err);
    expect(String(failure)).toMatch(/failed authentication with key "b"/);
    expect(String(failure)).not.toContain(keys.keys.get('b')!.toString('base64'));
  });

  test('given PAYLOAD_KEYS with several keys, the config should demand PAYLOAD_ACTIVE_KEY among them, refuse short keys, and never echo key material', () => {
    const base = { WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET, DATABASE_URL: 'postgres://relief@127.0.0.1:5432/relief', HOUSEHOLD_KEY_SECRET: TEST_HOUSEHOLD_KEY_SECRET };
    const [k1, k2] = [generatePayloadKey(), generatePayloadKey()];
    expect(loadConfig({ ...base, PAYLOAD_KEYS: `one:${k1}` }).payloadKeys.activeKeyId).toBe('one');
    expect(loadConfig({ ...base, PAYLOAD_KEYS: `one:${k1},two:${k2}`, PAYLOAD_ACTIVE_KEY: 'two' }).payloadKeys.activeKeyId).toBe('two');
    expect(() => loadConfig({ ...base, PAYLOAD_KEYS: `one:${k1},two:${k2}` })).toThrow(/PAYLOAD_ACTIVE_KEY: name one of the PAYLOAD_KEYS ids \(one, two\)/);
    expect(() => loadConfig({ ...base, PAYLOAD_KEYS: `one:${k1}`, PAYLOAD_ACTIVE_KEY: 'three' })).toThrow(/PAYLOAD_ACTIVE_KEY/);
    expect(() => loadConfig(base)).toThrow(/PAYLOAD_KEYS:/);
    const short = Buffer.alloc(16, 1).toString('base64');
    let refusal = '';
    try {
      loadConfig({ ...base, PAYLOAD_KEYS: `one:${k1},weak:${short}` });
    } catch (err) {
      refusal = String(err);
    }
    expect(refusal).toMatch(/entry "weak" is not/);
    expect(refusal).not.toContain(short);
    expect(refusal).not.toContain(k1);
  });

  test('given the recorded (unencrypted) replay fixtures, when they replay through the encrypting data converter, none should diverge', async () => {
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: process.env.RELIEF_WORKFLOW_BUNDLE! }, dataConverter: testDataConverter }, loadHistoryFixtures())) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('household data in the histories Temporal stores (dev server)', () => {
  const t = realServer(createDevServerEnv, 'all');

  /** Every history of the campaign's workflows (campaign, phases, groups, units, notifications) as the bytes Temporal returns (fetchHistory does not decode). */
  async function rawHistories(campaignId: string): Promise<Map<string, Buffer>> {
    const histories = new Map<string, Buffer>();
    for await (const execution of t.env.client.workflow.list({ query: `WorkflowId STARTS_WITH "campaign:${campaignId}"` })) {
      histories.set(execution.workflowId, encodedHistory(await t.env.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()));
    }
    return histories;
  }

  test('given a unit that reports a household by name and ID number and a reviewer who rejects naming it, no history should hold either in plaintext, and the receivers should still read the words', async () => {
    const plan = withPreparationSoon(unionWinterPlan({ id: uniqueId('codec'), webhook: (p) => t.receiver.url(p), units: 2 }), -60_000, 600_000);
    const { worker, taskQueue, store } = await createTestWorker(t.env);
    await worker.runUntil(async () => {
      const driver = await CampaignDriver.start(t.env, taskQueue, plan, store);
      await eventually(async () => expect((await driver.unitState('preparation', 'union-1')).status).toBe('open'));
      const send = () => driver.submitContent('preparation', 'union-1', { report: REPORT, figures: { households: 1 } });
      await send();
      await driver.review('preparation', 'union-1', 'reject', REJECTION);
      await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'submission-rejected' }).length === 1);
      expect(t.receiver.notifications({ kind: 'submission-rejected' })[0]!.message).toContain(REJECTION);
      await send();
      expect((await driver.record('preparation', 'union-1')).submissions.map((s) => s.report)).toEqual([REPORT, REPORT]);
      await driver.cancel(`${HOUSEHOLD_NAME}戶資料有誤,暫緩`);
      await driver.waitForState((s) => s.status === 'cancelled');
    });

    const histories = await rawHistories(plan.id);
    expect([...histories.keys()]).toEqual(expect.arrayContaining([`campaign:${plan.id}`, unitPhaseWorkflowId(plan.id, 'preparation', 'union-1')]));
    // The rejection's notice arrived as it was dispatched, so no delivery workflow holds it; its reason is in the unit's history, in the review's input.
    expect([...histories.keys()].filter((id) => id.includes(':submission-rejected:'))).toEqual([]);
    const leaks = [...histories].flatMap(([workflowId, bytes]) => SECRETS.filter((secret) => bytes.includes(utf8(secret))).map((secret) => `${workflowId}: ${secret}`));
    expect(leaks).toEqual([]);
    // The same search finds what is meant to be in the clear, so it would find a leak.
    expect(histories.get(`campaign:${plan.id}`)!.includes(utf8(plan.id))).toBe(true);
    expect(histories.get(`campaign:${plan.id}`)!.includes(utf8(ENCRYPTED_ENCODING))).toBe(true);
  });

  test('given a campaign started under one key, when the key is rotated and a new worker takes over, it should carry on, read its old payloads, and a client without the old key should be refused by name', async () => {
    const before = keySet(['2024a'], '2024a');
    const after: PayloadKeys = { keys: new Map([...before.keys, ['2025a', Buffer.from(generatePayloadKey(), 'base64')]]), activeKeyId: '2025a' };
    const clientWith = (keys: PayloadKeys) => new Client({ connection: t.env.connection, dataConverter: encryptingDataConverter(keys) });
    const plan = withPreparationSoon(unionWinterPlan({ id: uniqueId('rotate'), webhook: (p) => t.receiver.url(p), units: 1 }), -60_000, 600_000);
    const unitId = unitPhaseWorkflowId(plan.id, 'preparation', 'union-1');
    const taskQueue = uniqueId('tq');
    const receivedAt = () => new Date().toISOString();
    const submitWith = async (client: Client) => {
      const requestId = randomUUID();
      return client.workflow.getHandle(unitId).executeUpdate(submit, { updateId: requestId, args: [{ requestId, actor: 'union-1', receivedAt: receivedAt(), kind: 'applicant-roster', report: REPORT }] });
    };

    const store = await createTestStore();
    const workerWith = (keys: PayloadKeys) => createTestWorker(t.env, taskQueue, { dataConverter: encryptingDataConverter(keys), client: clientWith(keys), store });

    const oldClient = clientWith(before);
    const { worker: oldWorker } = await workerWith(before);
    await oldWorker.runUntil(async () => {
      await store.records.startCampaign(plan, { requestId: 'start', actor: plan.coordinator.id });
      await oldClient.workflow.start('campaignWorkflow', { ...campaignStartOptions(planOutline(plan)), taskQueue });
      await eventually(async () => {
        await wakeUnitWorkflow(oldClient, plan, 'preparation', 'union-1');
        expect((await oldClient.workflow.getHandle(unitId).query(getUnitPhaseState)).status).toBe('open');
      });
      await submitWith(oldClient);
    });

    const newClient = clientWith(after);
    const { worker: newWorker } = await workerWith(after);
    await newWorker.runUntil(async () => {
      const requestId = randomUUID();
      await newClient.workflow.getHandle(unitId).executeUpdate(review, { updateId: requestId, args: [{ requestId, actor: 'rights-dept', receivedAt: receivedAt(), decision: 'reject', reason: REJECTION }] });
      expect((await submitWith(newClient)).submissionNumber).toBe(2);
      expect((await newClient.workflow.getHandle(unitId).query(getUnitPhaseState)).submissions).toBe(2);
      const record = (await store.views.unitPhase(plan.id, 'preparation', 'union-1'))!;
      expect(record.submissions.map((s) => s.report)).toEqual([REPORT, REPORT]);
      expect(record.reviews.map((r) => r.reason)).toEqual([REJECTION]);

    });

    // Both keys are in the history, which still replays through the rotated key set; without the old key its input is unreadable.
    const history = await newClient.workflow.getHandle(unitId).fetchHistory();
    const bytes = encodedHistory(history);
    expect([bytes.includes(utf8('2024a')), bytes.includes(utf8('2025a')), bytes.includes(utf8(ID_NUMBER))]).toEqual([true, true, false]);
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads as Payload[];
    const onlyNew = createEncryptionCodec({ keys: new Map([['2025a', after.keys.get('2025a')!]]), activeKeyId: '2025a' });
    await expect(onlyNew.decode(input)).rejects.toThrow(/key "2024a", which is not configured/);
    const replay = await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.RELIEF_WORKFLOW_BUNDLE! }, dataConverter: encryptingDataConverter(after) }, history, unitId).then(
      () => undefined,
      (err: Error) => err.message,
    );
    expect(replay).toBeUndefined();
    await store.pool.end();
  });
});
