import { describe, expect, it } from 'vitest';
import { listBundledSeries, seriesMetaSchema } from './series.js';

describe('series.json status', () => {
  const base = { title: 't', origin: '' };
  it('accepts "wip" or nothing, refuses anything else', () => {
    expect(seriesMetaSchema.safeParse({ ...base, status: 'wip' }).success).toBe(true);
    expect(seriesMetaSchema.safeParse(base).success).toBe(true);
    expect(seriesMetaSchema.safeParse({ ...base, status: 'done' }).success).toBe(false);
  });
  it('audit-nsid@strawman is marked wip (not yet built or run)', () => {
    const s = listBundledSeries().find((x) => x.name === 'audit-nsid' && x.revision === 'strawman');
    expect((s?.meta as { status?: string } | undefined)?.status).toBe('wip');
  });
});
