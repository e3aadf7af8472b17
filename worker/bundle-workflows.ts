import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './create-worker';

const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };

/** Bundles the workflows once, ahead of the worker (image build, test run), so workers skip webpack. */
export async function bundleWorkflowsTo(path: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  writeFileSync(path, code);
}

if (require.main === module) {
  const [path] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node dist/worker/bundle-workflows.js <output.js>');
    process.exit(2);
  }
  bundleWorkflowsTo(path).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
