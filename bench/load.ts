import { performance } from 'node:perf_hooks';
import { inPool } from './pool';
import { quantile } from './stats';

export interface LoadResult {
  operations: number;
  seconds: number;
  perSecond: number;
  /** Latency of the first operation of each cycle (the submission), in ms. */
  p50: number;
  p99: number;
  /** Latency of the second (the review), in ms. */
  secondP50: number;
  secondP99: number;
  failures: string[];
  /** Every operation as it ended: seconds since the load began, its latency, and whether it was the cycle's first. */
  timeline: { at: number; ms: number; first: boolean }[];
}

/**
 * `clients` concurrent clients, each taking the next item and running its cycle: `first` (timed),
 * then `second`, as a unit submits and its reviewer reviews. An operation fails by throwing.
 */
export async function runCycles<T>(items: readonly T[], clients: number, first: (item: T) => Promise<void>, second: (item: T) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  const secondLatencies: number[] = [];
  const failures: string[] = [];
  const timeline: LoadResult['timeline'] = [];
  let operations = 0;
  const attempt = async (op: (item: T) => Promise<void>, item: T) => {
    operations++;
    try {
      await op(item);
      return true;
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
      return false;
    }
  };
  const started = performance.now();
  const timed = async (op: (item: T) => Promise<void>, item: T, into: number[], isFirst: boolean) => {
    const t0 = performance.now();
    const ok = await attempt(op, item);
    const t1 = performance.now();
    into.push(t1 - t0);
    timeline.push({ at: (t1 - started) / 1000, ms: t1 - t0, first: isFirst });
    return ok;
  };
  await inPool(items, clients, async (item) => {
    if (await timed(first, item, latencies, true)) await timed(second, item, secondLatencies, false);
  });
  const seconds = (performance.now() - started) / 1000;
  return { operations, seconds, perSecond: operations / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), secondP50: quantile(secondLatencies, 0.5), secondP99: quantile(secondLatencies, 0.99), failures, timeline };
}
