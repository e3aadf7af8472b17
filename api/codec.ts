import type { RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { PayloadDecodeError } from '../config/codec';
import { ApiError } from './errors';

// The Temporal Web UI's codec-server protocol: the browser POSTs {payloads: [...]} (proto3 JSON:
// metadata values and data in base64) to <endpoint>/decode or /encode and shows what comes back.

const base64 = z.string().max(4 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const payloadJson = z.object({ metadata: z.record(z.string().min(1).max(256), base64).optional(), data: base64.optional() });

export const codecBody = z.strictObject({ payloads: z.array(payloadJson).max(1_000) });
export const codecResultSchema = z.object({ payloads: z.array(payloadJson) });

type PayloadJson = z.infer<typeof payloadJson>;

const fromJson = ({ metadata = {}, data = '' }: PayloadJson): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(data, 'base64'),
});

const toJson = ({ metadata, data }: Payload): PayloadJson => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')])),
  data: Buffer.from(data ?? []).toString('base64'),
});

/** Runs the codec over the request's payloads; a payload it cannot decrypt is the caller's 400, not a 500. */
export async function runCodec(codec: PayloadCodec, direction: 'encode' | 'decode', body: z.output<typeof codecBody>): Promise<z.input<typeof codecResultSchema>> {
  try {
    return { payloads: (await codec[direction](body.payloads.map(fromJson))).map(toJson) };
  } catch (err) {
    if (err instanceof PayloadDecodeError) throw new ApiError(400, 'undecodable-payload', err.message);
    throw err;
  }
}

/**
 * CORS for the codec routes: the Web UI calls them from the managers' browsers, so only its
 * configured origins are let in. A preflight from any other origin is refused.
 */
export function codecCors(origins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    const allowed = origin !== undefined && origins.includes(origin);
    res.vary('Origin');
    if (allowed) res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
    if (req.method !== 'OPTIONS') return next();
    if (!allowed) return next(new ApiError(403, 'origin-not-allowed', `origin ${origin ?? '(none)'} may not call the codec endpoint: set API_CODEC_CORS_ORIGINS`));
    res
      .set({ 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace', 'Access-Control-Max-Age': '600' })
      .status(204)
      .end();
  };
}
