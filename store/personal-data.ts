import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { PayloadKeys } from '../config/codec';
import { normaliseIdNumber } from '../domain/id-number';

// Household personal fields (name, ID number, address, illness) as the store keeps them: sealed
// under a data key of their campaign, which is itself kept only wrapped under the master keys
// (PAYLOAD_KEYS). Erasing a campaign's personal data is deleting its wrapped key (or the sealed
// columns): the figures stay, the fields are unreadable. Pure functions over buffers, no database:
// the store's SQL calls them.

export { maskName } from '../domain/roster';

export const DATA_KEY_BYTES = 32;
export const HOUSEHOLD_KEY_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** First byte of a sealed field: lets a later format be told apart from this one. */
const SEALED_FORMAT = 1;

export class PersonalDataError extends Error {}

export interface WrappedCampaignKey {
  wrapped: Buffer;
  /** Which of the master keys wrapped it; kept beside it, so older keys still unwrap after rotation. */
  keyId: string;
}

function seal(key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** undefined when the key, the AAD or the bytes are not the ones it was sealed with. */
function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer | undefined {
  if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

// The key id is authenticated, so a wrapped key cannot be passed off as wrapped by another master key.
const wrapAad = (keyId: string) => Buffer.from(`campaign-data-key:${keyId}`, 'utf8');

function wrapUnderActive(dataKey: Buffer, masterKeys: PayloadKeys): WrappedCampaignKey {
  const master = masterKeys.keys.get(masterKeys.activeKeyId);
  if (!master) throw new PersonalDataError(`the active master key "${masterKeys.activeKeyId}" is not among PAYLOAD_KEYS`);
  return { wrapped: seal(master, dataKey, wrapAad(masterKeys.activeKeyId)), keyId: masterKeys.activeKeyId };
}

/** A fresh data key for a campaign, and the same key wrapped under the active master key for the store. */
export function newCampaignKey(masterKeys: PayloadKeys): WrappedCampaignKey & { dataKey: Buffer } {
  const dataKey = randomBytes(DATA_KEY_BYTES);
  return { ...wrapUnderActive(dataKey, masterKeys), dataKey };
}

export function unwrapCampaignKey(wrapped: Buffer, keyId: string, masterKeys: PayloadKeys): Buffer {
  const master = masterKeys.keys.get(keyId);
  if (!master) throw new PersonalDataError(`campaign data key wrapped with master key "${keyId}", which is not configured: add it back to PAYLOAD_KEYS`);
  const dataKey = open(master, wrapped, wrapAad(keyId));
  if (dataKey?.length !== DATA_KEY_BYTES) throw new PersonalDataError(`campaign data key failed authentication with master key "${keyId}" (tampered, or a different key under that id)`);
  return dataKey;
}

/**
 * Master-key rotation: the same data key, wrapped under the now active master key. The sealed
 * fields stay as they are; once every campaign is rewrapped, the old master key can go.
 */
export function rewrapCampaignKey(wrapped: Buffer, keyId: string, masterKeys: PayloadKeys): WrappedCampaignKey {
  return wrapUnderActive(unwrapCampaignKey(wrapped, keyId, masterKeys), masterKeys);
}

/** Where a sealed value belongs. */
export interface FieldPlace {
  campaignId: string;
  /** The column, e.g. "households.name". */
  column: string;
  /** The row's stable identity, e.g. its household key: a value copied to another row no longer opens. */
  rowId: string | Buffer;
}

const fieldAad = ({ campaignId, column, rowId }: FieldPlace) =>
  Buffer.from(JSON.stringify(['field', campaignId, column, typeof rowId === 'string' ? rowId : rowId.toString('hex')]), 'utf8');

/** AES-256-GCM with a random nonce, bound to its campaign, column and row; null stays null. */
export function sealField(dataKey: Buffer, plaintext: string | null, place: FieldPlace): Buffer | null {
  if (plaintext === null) return null;
  return Buffer.concat([Buffer.of(SEALED_FORMAT), seal(dataKey, Buffer.from(plaintext, 'utf8'), fieldAad(place))]);
}

export function openField(dataKey: Buffer, sealed: Buffer | null, place: FieldPlace): string | null {
  if (sealed === null) return null;
  const plain = sealed[0] === SEALED_FORMAT ? open(dataKey, sealed.subarray(1), fieldAad(place)) : undefined;
  if (!plain) throw new PersonalDataError(`a sealed ${place.column} of campaign ${place.campaignId} does not open here (another campaign's key, another row or column, or tampered)`);
  return plain.toString('utf8');
}

/**
 * The household's uniqueness key within a campaign (避免重复慰问): HMAC-SHA256 of the normalised ID
 * number under HOUSEHOLD_KEY_SECRET, 128 bits kept. The ID number has too little entropy for a
 * bare hash: only the secret stops someone with the table from confirming a guessed number.
 */
export function householdKey(hmacKey: string | Buffer, campaignId: string, idNumber: string): Buffer {
  return createHmac('sha256', hmacKey)
    .update(JSON.stringify([campaignId, normaliseIdNumber(idNumber)]), 'utf8')
    .digest()
    .subarray(0, HOUSEHOLD_KEY_BYTES);
}
