import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CampaignFigures } from './campaign-figures';

// What the API shows Prometheus on /metrics: requests by route template (never the raw path, which
// holds ids) and status, their latency, the process itself, and the campaign figures.

export interface ApiMetrics {
  registry: Registry;
  observe(request: { method: string; route: string; status: number; seconds: number }): void;
}

const FIGURES: Record<keyof CampaignFigures, { name: string; help: string }> = {
  unitsForfeited: { name: 'relief_units_forfeited', help: 'Units that let a cutoff pass and forfeited (all campaigns kept in Temporal).' },
  reviewsOverdue: { name: 'relief_reviews_overdue', help: 'Submissions still awaiting review after their phase’s cutoff.' },
  notificationsPending: { name: 'relief_notifications_pending', help: 'Notifications not yet taken by their webhook.' },
};

/** `figures` is asked once per scrape; when it fails the gauges keep their last values and relief_campaign_figures_up drops to 0. */
export function createApiMetrics(figures: () => Promise<CampaignFigures>): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'relief_api_requests_total', help: 'HTTP requests by method, route and status.', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'relief_api_request_duration_seconds',
    help: 'HTTP request latency by method and route.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // One read per scrape for all four gauges, started by whichever is collected first.
  let reading: Promise<void> | undefined;
  const read = (): Promise<void> =>
    (reading ??= figures()
      .then(
        (f): void => {
          for (const key of Object.keys(gauges) as (keyof CampaignFigures)[]) gauges[key].set(f[key]);
          up.set(1);
        },
        (): void => up.set(0),
      )
      .finally(() => setImmediate(() => (reading = undefined))));
  const up: Gauge = new Gauge({ name: 'relief_campaign_figures_up', help: '1 when the campaign figures were read at this scrape.', registers: [registry], collect: read });
  const gauges = Object.fromEntries(
    Object.entries(FIGURES).map(([key, { name, help }]) => [key, new Gauge({ name, help, registers: [registry], collect: read })]),
  ) as Record<keyof CampaignFigures, Gauge>;
  return {
    registry,
    observe({ method, route, status, seconds }) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
  };
}
