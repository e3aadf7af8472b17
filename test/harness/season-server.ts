import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalServerPath } from '../../config/temporal-servers';
import { timeSkippingEnvOn } from './temporal';

// A time-skipping server whose clock starts at a given instant. Time skipping only moves forward
// from the server's start, and the stock test server starts at the machine's clock: a season that
// has passed (the 2026 Spring Festival, the last one the calendar data covers) needs its own start.
// java/SeasonTestServer.java starts the same Java test server classes at that instant.

const SOURCE = join(__dirname, 'java', 'SeasonTestServer.java');

function compiled(lib: string): string {
  const source = readFileSync(SOURCE);
  const dir = join(tmpdir(), `relief-season-server-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  if (!existsSync(join(dir, 'SeasonTestServer.class'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('javac', ['-cp', `${lib}/*`, '-d', dir, SOURCE], { stdio: 'inherit' });
  }
  return dir;
}

/** The Java time-skipping server with its clock starting at `start` (now by default), then moving on by itself and by skipping. */
export function createTimeSkippingEnvAt(start = new Date().toISOString()): Promise<TestWorkflowEnvironment> {
  const lib = join(dirname(temporalServerPath('test-server')), 'lib');
  const classes = compiled(lib);
  return timeSkippingEnvOn('java', (port) => ['-Xss4m', '-XX:TieredStopAtLevel=1', '-cp', `${classes}:${lib}/*`, 'SeasonTestServer', String(port), String(Date.parse(start))]);
}
