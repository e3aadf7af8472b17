import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

// Household data (names, ID numbers, rosters, reports) is encrypted before it leaves the process,
// so Temporal's database, its exports and the Web UI see only ciphertext. Every client and the
// worker use this codec; the API's /codec/* routes run it for the Web UI.

export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key a payload was encrypted with, so older keys still decrypt after rotation. */
export const KEY_ID_METADATA = 'encryption-key-id';
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKeys {
  /** Key id → 32-byte AES key; every key here can decrypt. */
  keys: ReadonlyMap<string, Buffer>;
  /** The key new payloads are encrypted with. */
  activeKeyId: string;
}

export class PayloadDecodeError extends Error {}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/**
 * AES-256-GCM over the whole serialized payload (its metadata too: the encoding says what the
 * plaintext is). The key id is authenticated as additional data, so it cannot be swapped.
 * Payloads without the encrypted encoding pass through: histories written before encryption was
 * switched on still decode and replay.
 */
export function createEncryptionCodec({ keys, activeKeyId }: PayloadKeys): PayloadCodec {
  const activeKey = keys.get(activeKeyId);
  if (!activeKey) throw new Error(`the active payload key "${activeKeyId}" is not among the configured keys`);

  const encryptOne = (payload: Payload): Payload => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', activeKey, iv);
    cipher.setAAD(utf8(activeKeyId));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(activeKeyId) }, data };
  };

  const decryptOne = (payload: Payload): Payload => {
    const metadata = payload.metadata ?? {};
    if (Buffer.from(metadata.encoding ?? []).toString('utf8') !== ENCRYPTED_ENCODING) return payload;
    const keyId = Buffer.from(metadata[KEY_ID_METADATA] ?? []).toString('utf8');
    const key = keys.get(keyId);
    if (!key) throw new PayloadDecodeError(`payload encrypted with key "${keyId}", which is not configured: add it back to PAYLOAD_KEYS`);
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecodeError('encrypted payload is too short');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(utf8(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    } catch {
      throw new PayloadDecodeError(`encrypted payload failed authentication with key "${keyId}" (tampered, or a different key under that id)`);
    }
  };

  return {
    encode: async (payloads) => payloads.map(encryptOne),
    decode: async (payloads) => payloads.map(decryptOne),
  };
}

/** The data converter every client and worker of this app uses. */
export const encryptingDataConverter = (keys: PayloadKeys): DataConverter => ({ payloadCodecs: [createEncryptionCodec(keys)] });

/** A fresh random key, base64, for PAYLOAD_KEYS (demo setups and tests). */
export const generatePayloadKey = (): string => randomBytes(KEY_BYTES).toString('base64');
