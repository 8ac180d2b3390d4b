import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSplats } from './console.js';

const fx = (...p: string[]) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', ...p), 'utf8').split('\n');

describe('findSplats', () => {
  it('finds nothing in a clean TCG boot of the baseline kernel', () => {
    expect(findSplats(fx('console', 'boot-baseline-tcg.log'))).toEqual([]);
  });
});
