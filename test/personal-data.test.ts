import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config';
import { generatePayloadKey, type PayloadKeys } from '../config/codec';
import { publishedEntry } from '../domain/roster';
import {
  householdKey,
  maskName,
  newCampaignKey,
  openField,
  PersonalDataError,
  rewrapCampaignKey,
  sealField,
  unwrapCampaignKey,
  type FieldPlace,
} from '../store/personal-data';
import { household } from './harness/plans';
import { idNumber } from './harness/roster-fixtures';

// Household personal fields as the store keeps them: sealed under a campaign's data key, which the
// master keys wrap; bound to campaign, column and row; gone for good once the data key is dropped.

const masterKey = () => randomBytes(32);
const keys = (entries: Record<string, Buffer>, activeKeyId: string): PayloadKeys => ({ keys: new Map(Object.entries(entries)), activeKeyId });
const place = (fields: Partial<FieldPlace> = {}): FieldPlace => ({ campaignId: 'spring-2027', column: 'households.name', rowId: 'row-1', ...fields });
const NAME = '张三丰';

describe('campaign data keys', () => {
  test('given master keys, a new campaign key should unwrap to the same 32 bytes with the master key named beside it, and not with another key under that id', () => {
    const master = keys({ '2027a': masterKey() }, '2027a');
    const { dataKey, wrapped, keyId } = newCampaignKey(master);
    expect(keyId).toBe('2027a');
    expect(dataKey).toHaveLength(32);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(unwrapCampaignKey(wrapped, keyId, master)).toEqual(dataKey);

    expect(() => unwrapCampaignKey(wrapped, keyId, keys({ '2027a': masterKey() }, '2027a'))).toThrow(PersonalDataError);
    expect(() => unwrapCampaignKey(wrapped, '2026a', master)).toThrow('master key "2026a", which is not configured');
    const tampered = Buffer.from(wrapped);
    tampered[20]! ^= 1;
    expect(() => unwrapCampaignKey(tampered, keyId, master)).toThrow(/failed authentication/);
  });

  test('given a rotation to a new master key, rewrapping should keep the data key, so fields sealed before still open, and the old master key can then go', () => {
    const old = masterKey();
    const before = keys({ '2026a': old }, '2026a');
    const { dataKey, wrapped, keyId } = newCampaignKey(before);
    const sealed = sealField(dataKey, NAME, place());

    const during = keys({ '2026a': old, '2027a': masterKey() }, '2027a');
    const rewrapped = rewrapCampaignKey(wrapped, keyId, during);
    expect(rewrapped.keyId).toBe('2027a');

    const after = keys({ '2027a': during.keys.get('2027a')! }, '2027a');
    const unwrapped = unwrapCampaignKey(rewrapped.wrapped, rewrapped.keyId, after);
    expect(unwrapped).toEqual(dataKey);
    expect(openField(unwrapped, sealed, place())).toBe(NAME);
    expect(() => unwrapCampaignKey(wrapped, keyId, after)).toThrow(PersonalDataError);
  });
});

describe('sealed fields', () => {
  const dataKey = randomBytes(32);

  test('given a value, sealing should round-trip it, never show it, never repeat a ciphertext, and keep null as null', () => {
    const text = '城关镇东风路12号 脑梗后遗症 🙂';
    const a = sealField(dataKey, text, place())!;
    const b = sealField(dataKey, text, place())!;
    expect(openField(dataKey, a, place())).toBe(text);
    expect(a.equals(b)).toBe(false); // a random nonce each time: equal values do not show as equal
    expect(a.includes(Buffer.from('东风路', 'utf8'))).toBe(false);
    expect(sealField(dataKey, '', place())).not.toBeNull();
    expect(openField(dataKey, sealField(dataKey, '', place()), place())).toBe('');
    expect(sealField(dataKey, null, place())).toBeNull();
    expect(openField(dataKey, null, place())).toBeNull();
  });

  test('given a sealed value moved to another column, row or campaign, or altered, opening should refuse it', () => {
    const sealed = sealField(dataKey, NAME, place())!;
    for (const elsewhere of [place({ column: 'households.address' }), place({ rowId: 'row-2' }), place({ rowId: Buffer.from('row-1') }), place({ campaignId: 'spring-2028' })]) {
      expect(() => openField(dataKey, sealed, elsewhere)).toThrow(PersonalDataError);
    }
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => openField(dataKey, tampered, place())).toThrow(PersonalDataError);
    expect(() => openField(dataKey, Buffer.alloc(3), place())).toThrow(PersonalDataError);
  });

  test('given a campaign whose data key is dropped (erasure), no sealed field opens with anything that remains: not the master keys, not a new campaign key', () => {
    const master = keys({ '2027a': masterKey() }, '2027a');
    const campaign = newCampaignKey(master);
    const h = household(1, { illness: '高血压' });
    const sealed = (['name', 'idNumber', 'address', 'illness'] as const).map((column) => ({
      at: place({ column: `households.${column}` }),
      sealed: sealField(campaign.dataKey, h[column]!, place({ column: `households.${column}` }))!,
    }));
    for (const { at, sealed: s } of sealed) expect(openField(campaign.dataKey, s, at)).not.toBeNull();

    // Erasure deletes the wrapped key; what is left is the sealed bytes, the master keys and any later key.
    const remaining = [master.keys.get('2027a')!, newCampaignKey(master).dataKey];
    for (const key of remaining) for (const { at, sealed: s } of sealed) expect(() => openField(key, s, at)).toThrow(PersonalDataError);
  });
});

describe('the household key', () => {
  const secret = Buffer.from('a-household-key-secret-of-32-characters!', 'utf8');
  const id = idNumber(4_242).slice(0, 17) + 'X';

  test('given the same ID number written with x or X, spaces or full-width characters, the key should be the same 16 bytes', () => {
    const key = householdKey(secret, 'spring-2027', id);
    expect(key).toHaveLength(16);
    for (const written of [id.toLowerCase(), ` ${id} `, id.replace('X', 'Ｘ'), id.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))]) {
      expect(householdKey(secret, 'spring-2027', written)).toEqual(key);
    }
  });

  test('given HOUSEHOLD_KEY_SECRET missing or shorter than 32 characters, the config should refuse to start and name it; given one, it should be the key', () => {
    const env = { WEBHOOK_SIGNING_SECRET: 'a-webhook-signing-secret', PAYLOAD_KEYS: `k:${generatePayloadKey()}`, DATABASE_URL: 'postgres://127.0.0.1:1/relief' };
    expect(() => loadConfig(env)).toThrow(/HOUSEHOLD_KEY_SECRET:/);
    expect(() => loadConfig({ ...env, HOUSEHOLD_KEY_SECRET: 'x'.repeat(31) })).toThrow(/HOUSEHOLD_KEY_SECRET: at least 32 characters/);
    const { householdKeySecret } = loadConfig({ ...env, HOUSEHOLD_KEY_SECRET: secret.toString('utf8') });
    expect(householdKey(householdKeySecret, 'spring-2027', id)).toEqual(householdKey(secret, 'spring-2027', id));
  });

  test('given another household, campaign or secret, the key should differ', () => {
    const key = householdKey(secret, 'spring-2027', id);
    expect(householdKey(secret, 'spring-2027', idNumber(4_243))).not.toEqual(key);
    expect(householdKey(secret, 'spring-2028', id)).not.toEqual(key);
    expect(householdKey(Buffer.from('another-household-key-secret-32-characters'), 'spring-2027', id)).not.toEqual(key);
  });
});

test('given a household, the masked name should be the one the public notice shows', () => {
  for (const name of ['张三丰', '李四', '王', ' 欧阳娜娜 ']) {
    expect(maskName(name)).toBe(publishedEntry({ entry: 1, household: household(1, { name }) }).maskedName);
  }
  expect(maskName('张三丰')).toBe('张**');
});
