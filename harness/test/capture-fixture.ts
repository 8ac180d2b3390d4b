// Test helper: load a captured guest folder (as kph-scenario left it) into a ScenarioContext.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildContext } from '../capture/context.js';
import type { ParamValue, ScenarioContext } from '../core/scenario.js';
import type { SeriesMeta } from '../core/types.js';

export function loadCapture(dir: string, id: string, meta: Partial<SeriesMeta> & { name?: string; revision?: string | null } = {}, params: Record<string, ParamValue> = {}): ScenarioContext {
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  const series = {
    name: meta.name ?? 'baseline',
    revision: meta.revision ?? null,
    meta: { title: 't', origin: '', config: [], records: meta.records ?? {}, provides: meta.provides ?? [] },
  };
  return buildContext(series, params, id, {
    exitCode: Number(read('exit-code').trim()),
    stdout: read('stdout.txt'),
    stderr: read('stderr.txt'),
    durationMs: Number(read('duration-ms').trim() || 0),
    auditFull: read('audit-full.log'),
    statusBefore: read('audit-status-before.txt'),
    statusAfter: read('audit-status-after.txt'),
    listener: existsSync(join(dir, 'events.jsonl')) ? read('events.jsonl') : null,
  });
}
