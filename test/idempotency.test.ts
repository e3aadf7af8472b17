import { ApiError, type Replay } from '../api/errors';
import { IdempotencyStore, type StoredReply } from '../api/idempotency';

// The Idempotency-Key store on its own (no server): what is replayed, what is tried afresh, and the
// receipt instant (postmark) a retry keeps.

const reply = (status: number, replay: Replay): StoredReply => ({ status, body: { status }, headers: {}, replay });

function store() {
  let now = Date.parse('2026-12-01T09:00:00Z');
  const s = new IdempotencyStore(100, 24 * 3_600_000, () => now);
  const receipts: string[] = [];
  const run = (answer: StoredReply, body: unknown = { a: 1, b: 2 }) =>
    s.run('key', body, async (receivedAt) => {
      receipts.push(receivedAt);
      return answer;
    });
  return { s, run, receipts, later: (ms: number) => (now += ms) };
}

test('given a final answer, a retry with the same key should get it replayed without running again', async () => {
  const { run, receipts } = store();
  expect(await run(reply(201, 'replay'))).toMatchObject({ status: 201 });
  expect(await run(reply(500, 'afresh'))).toMatchObject({ status: 201 });
  expect(receipts).toHaveLength(1);
});

test('given a refusal that depends on time or state, a retry should run afresh with a new receipt instant', async () => {
  const { run, receipts, later } = store();
  expect(await run(reply(409, 'afresh'))).toMatchObject({ status: 409 });
  later(60_000);
  expect(await run(reply(201, 'replay'))).toMatchObject({ status: 201 });
  expect(receipts).toEqual(['2026-12-01T09:00:00.000Z', '2026-12-01T09:01:00.000Z']);
});

test('given no verdict yet (202 or 503), a retry should run again and keep the first receipt instant', async () => {
  const { run, receipts, later } = store();
  expect(await run(reply(202, 'resume'))).toMatchObject({ status: 202 });
  later(5_000);
  expect(await run(reply(503, 'resume'))).toMatchObject({ status: 503 });
  later(5_000);
  expect(await run(reply(201, 'replay'))).toMatchObject({ status: 201 });
  expect(receipts).toEqual(['2026-12-01T09:00:00.000Z', '2026-12-01T09:00:00.000Z', '2026-12-01T09:00:00.000Z']);
});

test('given the same key with another body, or while its first request still runs, it should refuse: 422, then 409', async () => {
  const { s, run } = store();
  await run(reply(202, 'resume'));
  await expect(run(reply(201, 'replay'), { a: 2, b: 2 })).rejects.toMatchObject({ status: 422, code: 'idempotency-key-reused' });
  // Another key order is the same body.
  let finish!: (r: StoredReply) => void;
  const first = s.run('key', { b: 2, a: 1 }, () => new Promise((resolve) => (finish = resolve)));
  const second = s.run('key', { a: 1, b: 2 }, async () => reply(201, 'replay'));
  await expect(second).rejects.toBeInstanceOf(ApiError);
  await expect(second).rejects.toMatchObject({ status: 409, code: 'idempotency-key-in-use' });
  finish(reply(201, 'replay'));
  expect(await first).toMatchObject({ status: 201 });
  expect(await s.run('key', { a: 1, b: 2 }, async () => reply(500, 'afresh'))).toMatchObject({ status: 201 });
});
