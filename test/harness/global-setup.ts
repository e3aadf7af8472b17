import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { serverExecutable } from '../../config/temporal-servers';
import { workflowsPath } from '../../worker/create-worker';

/** Fails the run at once, saying how to install, when a real server is missing; bundles the workflows once. */
export default async function globalSetup(): Promise<void> {
  serverExecutable('cli');
  serverExecutable('test-server');
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } });
  const codePath = join(mkdtempSync(join(tmpdir(), 'relief-workflows-')), 'workflow-bundle.js');
  writeFileSync(codePath, code);
  process.env.RELIEF_WORKFLOW_BUNDLE = codePath;
}
