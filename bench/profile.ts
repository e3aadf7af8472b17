import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';

// CPU profiles for finding a bottleneck: where the time went, by function, self time first.

interface CpuProfile {
  nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  startTime: number;
  endTime: number;
}

export interface HotFunction {
  name: string;
  selfPercent: number;
}

/** The functions with the most self time. */
export function hotFunctions(profile: CpuProfile, top = 12): HotFunction[] {
  const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0) || 1;
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'} ${where}`.trim();
    byName.set(name, (byName.get(name) ?? 0) + (node.hitCount ?? 0));
  }
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, hits]) => ({ name, selfPercent: (100 * hits) / total }));
}

/** The profiles node --cpu-prof wrote into `dir`: one per thread (the file name's thread id; 0 is the main thread, the others the workflows' threads). */
export function readCpuProfiles(dir: string): { thread: string; profile: CpuProfile }[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) throw new Error(`no .cpuprofile in ${dir}`);
  return files.map((file) => {
    const tid = file.split('.').at(-3);
    return { thread: tid === '0' ? 'main thread' : `thread ${tid} (workflows)`, profile: JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile };
  });
}

/** Profiles this process while `fn` runs. */
export async function profiled<T>(fn: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    const result = await fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}
