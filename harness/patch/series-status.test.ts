import { describe, expect, it } from 'vitest';
import { seriesMetaSchema } from './series.js';

describe('series.json status', () => {
  const base = { title: 't', origin: '' };
  it('accepts "wip" or nothing, refuses anything else', () => {
    expect(seriesMetaSchema.safeParse({ ...base, status: 'wip' }).success).toBe(true);
    expect(seriesMetaSchema.safeParse(base).success).toBe(true);
    expect(seriesMetaSchema.safeParse({ ...base, status: 'done' }).success).toBe(false);
  });

});
