import type { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { campaignSearchAttributes } from '../domain/search-attributes';

type CampaignSearchAttribute = (typeof campaignSearchAttributes)[number];

const INDEXED_TYPE = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
} as const;

export async function addSearchAttributes(
  connection: Connection | NativeConnection,
  namespace: string,
  keys: readonly CampaignSearchAttribute[] = campaignSearchAttributes,
): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(keys.map((key) => [key.name, INDEXED_TYPE[key.type as keyof typeof INDEXED_TYPE]])),
  });
}

/**
 * Registers the custom search attributes the workflows write, where they are missing. The dev
 * server gets them as start flags; a production server gets them here, at worker start.
 */
export async function ensureSearchAttributes(connection: Connection | NativeConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = campaignSearchAttributes.filter((key) => !known.has(key.name));
  if (missing.length) await addSearchAttributes(connection, namespace, missing);
  return missing.map((key) => key.name);
}
