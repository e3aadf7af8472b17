import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NOTIFICATION_ID_HEADER, SIGNATURE_HEADER, signBody } from '../../activities/notifier';
import type { Notification } from '../../workflows/notification/messages';

export interface Received {
  path: string;
  notification: Notification;
  signatureValid: boolean;
  idHeader: string | undefined;
}

/** A real HTTP receiver on loopback that records every notification POSTed to it. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Deliveries answered with failWith: what reached the receiver while it played dead. */
  readonly refused: { path: string; notificationId: string | undefined }[] = [];
  /** Answer with this status instead of 204 (e.g. 503 to play a dead webhook). */
  failWith: number | undefined;
  private server?: Server;
  private waiters: (() => void)[] = [];

  constructor(private readonly secret: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.failWith) {
          this.refused.push({ path: req.url ?? '', notificationId: req.headers[NOTIFICATION_ID_HEADER] as string | undefined });
          res.writeHead(this.failWith).end();
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({
          path: req.url ?? '',
          notification: JSON.parse(body) as Notification,
          signatureValid: req.headers[SIGNATURE_HEADER] === signBody(this.secret, body),
          idHeader: req.headers[NOTIFICATION_ID_HEADER] as string | undefined,
        });
        res.writeHead(204).end();
        this.waiters.splice(0).forEach((wake) => wake());
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/${path}`;
  }

  /** Notifications received so far, deduplicated by notification id as a receiver should. */
  notifications(filter: Partial<Pick<Notification, 'kind' | 'unitId' | 'phase'>> & { to?: string } = {}): Notification[] {
    const seen = new Set<string>();
    return this.received
      .map((r) => r.notification)
      .filter((n) => (seen.has(n.id) ? false : (seen.add(n.id), true)))
      .filter((n) => (filter.kind ? n.kind === filter.kind : true))
      .filter((n) => (filter.unitId ? n.unitId === filter.unitId : true))
      .filter((n) => (filter.phase ? n.phase === filter.phase : true))
      .filter((n) => (filter.to ? `${n.recipient.role}:${n.recipient.id}` === filter.to : true));
  }

  /** Waits (real time) until the predicate holds over what was received. */
  async waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`webhook receiver: condition not met in ${timeoutMs} ms; received ${this.received.length}: ${this.received.map((r) => `${r.notification.kind}→${r.notification.recipient.id}`).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
