import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverExecutable } from '../../config/temporal-servers';
import { bundleWorkflowsTo } from '../../worker/bundle-workflows';

/** Fails the run at once, saying how to install, when a real server is missing; bundles the workflows once. */
export default async function globalSetup(): Promise<void> {
  serverExecutable('cli');
  serverExecutable('test-server');
  const codePath = join(mkdtempSync(join(tmpdir(), 'relief-workflows-')), 'workflow-bundle.js');
  await bundleWorkflowsTo(codePath);
  process.env.RELIEF_WORKFLOW_BUNDLE = codePath;
}
