import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../config/codec';
import { apiConfig, startLazyApi, TOKENS, type RunningApi } from './harness/api';
import { testStore } from './harness/postgres';
import { testDataConverter, uniqueId } from './harness/temporal';

// The codec endpoint the Temporal Web UI calls from a manager's browser: the codec-server protocol
// (payloads as proto3 JSON), the coordinator's token only, CORS for the configured UI origin only.
// It never talks to Temporal (a closed port); the record is only asked who the token belongs to.

const UI_ORIGIN = 'http://localhost:8233';
const HOUSEHOLD = { name: '張桂英', idNumber: '430521195603127825', category: '重點困難戶' };

let api: RunningApi;
const store = testStore('all');
beforeAll(async () => {
  const config = apiConfig({ address: '127.0.0.1:9', taskQueue: uniqueId('tq'), databaseUrl: store.url, codecCorsOrigins: UI_ORIGIN });
  api = await startLazyApi(config, store.pool);
});
afterAll(async () => {
  await api?.close();
});

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const fromB64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');
const plainPayload = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(HOUSEHOLD)) };

/** What the worker stores in Temporal: the household JSON encrypted by the tests' data converter. */
async function storedPayload() {
  const [payload] = await testDataConverter.payloadCodecs![0]!.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(HOUSEHOLD)) }]);
  return { metadata: Object.fromEntries(Object.entries(payload!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(payload!.data!).toString('base64') };
}

describe('the codec endpoint', () => {
  test('given a coordinator token, when the UI posts a stored payload to /codec/decode, it should answer the household JSON', async () => {
    const response = await api.call('POST', '/codec/decode', { token: TOKENS.coordinator, body: { payloads: [await storedPayload(), plainPayload] } });
    expect(response.status).toBe(200);
    const [decoded, passedThrough] = response.body.payloads;
    expect(fromB64(decoded.metadata.encoding)).toBe('json/plain');
    expect(JSON.parse(fromB64(decoded.data))).toEqual(HOUSEHOLD);
    expect(passedThrough).toEqual(plainPayload);
  });

  test('given a coordinator token, when a payload is encoded and decoded again, it should be encrypted under the active key and come back the same', async () => {
    const encoded = await api.call('POST', '/codec/encode', { token: TOKENS.coordinator, body: { payloads: [plainPayload] } });
    expect(encoded.status).toBe(200);
    const [sealed] = encoded.body.payloads;
    expect([fromB64(sealed.metadata.encoding), fromB64(sealed.metadata[KEY_ID_METADATA])]).toEqual([ENCRYPTED_ENCODING, 'test-1']);
    expect(fromB64(sealed.data)).not.toContain(HOUSEHOLD.idNumber);
    const decoded = await api.call('POST', '/codec/decode', { token: TOKENS.coordinator, body: { payloads: [sealed] } });
    expect(decoded.body.payloads).toEqual([plainPayload]);
  });

  test.each([
    { who: 'a reviewer', token: TOKENS.rightsDept, status: 403, code: 'forbidden' },
    { who: 'a unit', token: TOKENS.union1, status: 403, code: 'forbidden' },
    { who: 'an unknown token', token: 'not-a-known-token-at-all', status: 401, code: 'unauthorized' },
    { who: 'no token', token: undefined, status: 401, code: 'unauthorized' },
  ])('given $who, when it asks to decode, it should answer $status and no payload', async ({ token, status, code }) => {
    const response = await api.call('POST', '/codec/decode', { token, body: { payloads: [await storedPayload()] } });
    expect({ status: response.status, code: response.body.error?.code, payloads: response.body.payloads }).toEqual({ status, code, payloads: undefined });
  });

  test('given a payload under a key this API does not have, or one that is not base64, it should answer 400 saying which', async () => {
    const foreign = { metadata: { encoding: b64(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: b64('retired-2019') }, data: b64('x'.repeat(40)) };
    const unknownKey = await api.call('POST', '/codec/decode', { token: TOKENS.coordinator, body: { payloads: [foreign] } });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.error).toMatchObject({ code: 'undecodable-payload', message: expect.stringContaining('"retired-2019"') });
    const garbage = await api.call('POST', '/codec/decode', { token: TOKENS.coordinator, body: { payloads: [{ data: '%%%not base64%%%' }] } });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.code).toBe('invalid-request');
  });

  test('given the UI’s origin, a CORS preflight should be allowed with the headers the UI sends, and the POST should carry Access-Control-Allow-Origin', async () => {
    const preflight = await api.call('OPTIONS', '/codec/decode', {
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/)).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-namespace']));
    const post = await api.call('POST', '/codec/decode', { token: TOKENS.coordinator, body: { payloads: [] }, headers: { origin: UI_ORIGIN } });
    expect([post.status, post.headers.get('access-control-allow-origin')]).toEqual([200, UI_ORIGIN]);
  });

  test('given any other origin, the preflight should be refused and no response should allow it', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:8234', 'null']) {
      const preflight = await api.call('OPTIONS', '/codec/decode', { headers: { origin, 'access-control-request-method': 'POST' } });
      expect([origin, preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([origin, 403, null]);
      const post = await api.call('POST', '/codec/decode', { token: TOKENS.coordinator, body: { payloads: [] }, headers: { origin } });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    }
    // Other routes never answer CORS at all.
    const elsewhere = await api.call('OPTIONS', '/campaigns', { headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST' } });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });
});
