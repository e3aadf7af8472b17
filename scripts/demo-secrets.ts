import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generatePayloadKey } from '../config/codec';
import { EXAMPLES, loadExample, subjects } from '../examples/example';

// Secrets for running the system on this machine (`npm start`, `npm run stack`): made once and kept
// in a file beside the data, so tokens stay valid across restarts. Never for a real deployment.

export interface DemoSecrets {
  webhookSigningSecret: string;
  tokens: Record<string, string>; // "role:subject" → token
  payloadKeys: string; // PAYLOAD_KEYS
  householdKeySecret?: string; // HOUSEHOLD_KEY_SECRET; files from before it gain one
}

const DEMO_SUBJECTS = [
  ...['coordinator:union-office', 'reviewer:rights-dept', 'reviewer:audit-office', 'unit:union-1', 'unit:union-2', 'unit:union-3'],
  // Everyone who acts in examples/run.ts's campaigns.
  ...EXAMPLES.flatMap((name) => subjects(loadExample(name).plan)),
];

export function demoSecrets(file: string): DemoSecrets {
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets) : undefined;
  const missing = DEMO_SUBJECTS.filter((s) => !kept?.tokens[s]);
  if (kept?.payloadKeys && kept.householdKeySecret && !missing.length) return kept;
  // A file from before encryption keeps its tokens and gains a key: its old campaigns still decode (plaintext passes through).
  const secrets: DemoSecrets = {
    webhookSigningSecret: randomBytes(32).toString('hex'),
    tokens: Object.fromEntries(DEMO_SUBJECTS.map((s) => [s, randomBytes(24).toString('hex')])),
    ...kept,
    // An older file gains tokens for subjects added since (examples), keeping the ones it has.
    ...(kept ? { tokens: { ...kept.tokens, ...Object.fromEntries(missing.map((s) => [s, randomBytes(24).toString('hex')])) } } : {}),
    payloadKeys: kept?.payloadKeys ?? `demo-1:${generatePayloadKey()}`,
    householdKeySecret: kept?.householdKeySecret ?? randomBytes(32).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** The app's secret settings from the demo secrets. */
export function demoAppEnv(secrets: DemoSecrets): Record<string, string> {
  return {
    WEBHOOK_SIGNING_SECRET: secrets.webhookSigningSecret,
    API_TOKENS: Object.entries(secrets.tokens).map(([subject, token]) => `${token}=${subject}`).join(','),
    PAYLOAD_KEYS: secrets.payloadKeys,
    HOUSEHOLD_KEY_SECRET: secrets.householdKeySecret!,
  };
}
