import { ApplicationFailure } from '@temporalio/common';

// How a delivery fails, the same way for every channel: "<Channel>Refused" will not get better by
// asking again (non-retryable), "<Channel>Failed" and "<Channel>Unreachable" may (retryable).

export type ChannelLabel = 'Webhook' | 'WeCom' | 'DingTalk' | 'Email';

export interface FailureDetails {
  status?: number;
  errcode?: number;
}

export const refused = (label: ChannelLabel, message: string, details: FailureDetails = {}) =>
  ApplicationFailure.create({ message, type: `${label}Refused`, nonRetryable: true, details: [details] });
export const failed = (label: ChannelLabel, message: string, details: FailureDetails = {}) =>
  ApplicationFailure.create({ message, type: `${label}Failed`, nonRetryable: false, details: [details] });
export const unreachable = (label: ChannelLabel, message: string) => ApplicationFailure.create({ message, type: `${label}Unreachable`, nonRetryable: false });

export interface HttpDeps {
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
}

/**
 * POSTs JSON and returns the response when its status is 2xx. 4xx other than timeouts (408) and
 * rate limits (429) will not get better by asking again; 5xx, 408, 429 and no answer may.
 */
export async function postJson(label: ChannelLabel, url: string, body: string, headers: Record<string, string>, deps: HttpDeps): Promise<Response> {
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(deps.requestTimeoutMs ?? 10_000),
    });
  } catch (err) {
    throw unreachable(label, `${label} unreachable: ${(err as Error).message}`);
  }
  if (response.ok) return response;
  const { status } = response;
  const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
  if (permanent) throw refused(label, `${label} refused with ${status}`, { status });
  throw failed(label, `${label} answered ${status}`, { status });
}

/**
 * A robot (WeCom, DingTalk) answers 200 with {"errcode": n, "errmsg": "…"}: 0 is delivered, a
 * rate limit or a busy system may pass on retry, anything else (bad key, bad signature, keyword
 * filter, malformed message) will not.
 */
export async function robotAnswer(label: ChannelLabel, response: Response, retryableCodes: readonly number[]): Promise<void> {
  let answer: { errcode?: unknown; errmsg?: unknown };
  try {
    answer = (await response.json()) as typeof answer;
  } catch {
    throw failed(label, `${label} answered ${response.status} without a JSON body`, { status: response.status });
  }
  const errcode = typeof answer.errcode === 'number' ? answer.errcode : Number.NaN;
  if (errcode === 0) return;
  const message = `${label} robot answered errcode ${String(answer.errcode)}: ${String(answer.errmsg ?? '')}`;
  if (retryableCodes.includes(errcode)) throw failed(label, message, { status: response.status, errcode });
  throw refused(label, message, { status: response.status, errcode });
}
