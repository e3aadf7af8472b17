import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { ApiError, RETRY_AFTER_SECONDS, databaseUnavailable, temporalUnavailable } from './errors';

// Ready means the system can act on a request: the record (PostgreSQL) answers, Temporal answers
// and at least one worker polls the workflow task queue (DescribeTaskQueue's pollers). Every read
// and every write needs the record, so an API whose database is gone is taken out of the balancer
// too. Asked at most every CACHE_MS, so a load balancer probing /ready often costs each one call
// per interval.

const CACHE_MS = 2_000;
/**
 * A poller counts while it polled within this long. An idle worker's long poll lasts up to a
 * minute before it polls again, and Temporal lists a stopped worker for minutes after.
 */
const POLLER_FRESH_MS = 70_000;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

export interface Readiness {
  /** Workers polling the workflow task queue now. */
  workers: number;
}

export class ReadinessProbe {
  private last?: { at: number; answer: Promise<Readiness> };

  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly database: Pick<Pool, 'query'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The readiness, or a 503 saying why not: Temporal not reached, no worker polling, or the record not reached. */
  check(): Promise<Readiness> {
    if (!this.last || this.now() - this.last.at >= CACHE_MS) this.last = { at: this.now(), answer: this.ask() };
    return this.last.answer;
  }

  private async ask(): Promise<Readiness> {
    // Both at once, so an answer takes the longer of the two, not their sum; Temporal's reason first.
    const database = this.database.query('SELECT 1').then(
      () => undefined,
      () => databaseUnavailable(),
    );
    const readiness = await this.askTemporal();
    const unavailable = await database;
    if (unavailable) throw unavailable;
    return readiness;
  }

  private async askTemporal(): Promise<Readiness> {
    let pollers;
    try {
      ({ pollers } = await this.temporal.workflowService.describeTaskQueue({
        namespace: this.temporal.options.namespace,
        taskQueue: { name: this.taskQueue },
        taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
      }));
    } catch {
      throw temporalUnavailable();
    }
    const since = this.now() - POLLER_FRESH_MS;
    const workers = (pollers ?? []).filter((p) => secondsOf(p.lastAccessTime?.seconds) * 1000 >= since).length;
    if (workers === 0) {
      throw new ApiError(503, 'no-worker', `没有 worker 在轮询任务队列 ${this.taskQueue},请求暂时无法执行 (no worker polls the task queue ${this.taskQueue}: nothing can be carried out until one does)`, {
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      });
    }
    return { workers };
  }
}

const secondsOf = (seconds: { toNumber(): number } | number | null | undefined): number => (seconds == null ? 0 : typeof seconds === 'number' ? seconds : seconds.toNumber());
