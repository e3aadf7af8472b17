import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverExecutable } from '../../config/temporal-servers';
import { bundleWorkflowsTo } from '../../worker/bundle-workflows';
import { startTestPostgres } from './postgres';

/** Fails the run at once, saying how to install, when a real server is missing; starts PostgreSQL; bundles the workflows once. */
export default async function globalSetup(): Promise<void> {
  serverExecutable('cli');
  serverExecutable('test-server');
  const postgres = await startTestPostgres();
  (globalThis as { reliefPostgres?: unknown }).reliefPostgres = postgres;
  process.env.RELIEF_TEST_PG_URL = postgres.url;
  const codePath = join(mkdtempSync(join(tmpdir(), 'relief-workflows-')), 'workflow-bundle.js');
  await bundleWorkflowsTo(codePath);
  process.env.RELIEF_WORKFLOW_BUNDLE = codePath;
}
