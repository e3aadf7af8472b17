import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { PayloadKeys } from '../config/codec';

// Household personal fields in the database: sealed with AES-256-GCM under a data key per campaign,
// the data key itself wrapped under the deployment's master keys (PAYLOAD_KEYS, rotatable). Erasing
// a household nulls its sealed columns; dropping a campaign's data key makes every sealed field of
// it unreadable. The uniqueness key of a household is an HMAC of its ID number, never the number.

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

/** A fresh data key for a campaign, and its wrapping under the active master key. */
export function newCampaignKey(masterKeys: PayloadKeys, campaignId: string): { dataKey: Buffer; wrapped: Buffer; keyId: string } {
  const dataKey = randomBytes(32);
  return { dataKey, ...wrapCampaignKey(dataKey, masterKeys, campaignId) };
}

export function wrapCampaignKey(dataKey: Buffer, masterKeys: PayloadKeys, campaignId: string): { wrapped: Buffer; keyId: string } {
  const master = masterKeys.keys.get(masterKeys.activeKeyId)!;
  return { wrapped: seal(master, dataKey, `campaign-key:${campaignId}`), keyId: masterKeys.activeKeyId };
}

export function unwrapCampaignKey(wrapped: Buffer, keyId: string, masterKeys: PayloadKeys, campaignId: string): Buffer {
  const master = masterKeys.keys.get(keyId);
  if (!master) throw new Error(`campaign ${campaignId}'s data key is wrapped under master key "${keyId}", which is not configured (PAYLOAD_KEYS)`);
  return open(master, wrapped, `campaign-key:${campaignId}`);
}

/** The AAD binds a sealed value to its campaign and column, so it cannot be moved to another. */
export const sealField = (dataKey: Buffer, plaintext: string | undefined | null, aad: string): Buffer | null =>
  plaintext === undefined || plaintext === null ? null : seal(dataKey, Buffer.from(plaintext, 'utf8'), aad);

export const openField = (dataKey: Buffer, sealed: Buffer | null, aad: string): string | undefined =>
  sealed === null ? undefined : open(dataKey, sealed, aad).toString('utf8');

/** Keyed per campaign, so one household's keys in two campaigns cannot be linked. */
export const householdKey = (hmacKey: string, campaignId: string, idNumber: string): Buffer =>
  createHmac('sha256', hmacKey).update(`${campaignId}\n${idNumber.trim().toUpperCase()}`).digest().subarray(0, 16);
