import { describe, expect, it } from 'vitest';
import { InPlanOrder } from './in-order.js';

function recorder(keys: string[]) {
  const out: string[] = [];
  const o = new InPlanOrder<string>(keys, (x) => out.push(x));
  return { o, out };
}

describe('InPlanOrder', () => {
  it('streams the head series and holds the later ones until those before them finish', () => {
    const { o, out } = recorder(['a', 'b', 'c']);
    o.push('b', 'b1');
    o.push('a', 'a1');
    o.push('c', 'c1');
    expect(out).toEqual(['a1']);
    o.push('b', 'b2');
    o.finish('b');
    expect(out).toEqual(['a1']);
    o.push('a', 'a2');
    o.finish('a');
    // a finished: b (already finished) goes out whole, then c becomes the head
    expect(out).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    o.push('c', 'c2');
    expect(out).toEqual(['a1', 'a2', 'b1', 'b2', 'c1', 'c2']);
  });

  it('gives the same order as a serial run whatever order the series finish in', () => {
    const { o, out } = recorder(['a', 'b', 'c']);
    o.push('c', 'c1');
    o.finish('c');
    o.push('b', 'b1');
    o.finish('b');
    o.push('a', 'a1');
    expect(out).toEqual(['a1']);
    o.finish('a');
    expect(out).toEqual(['a1', 'b1', 'c1']);
  });

  it('lets rows of keys outside the plan through at once (the run-wide rows after the series)', () => {
    const { o, out } = recorder(['a', 'b']);
    o.push('b', 'b1');
    o.push('format', 'f');
    expect(out).toEqual(['f']);
  });

  it('flushes what is held in plan order when the run is interrupted', () => {
    const { o, out } = recorder(['a', 'b', 'c']);
    o.push('c', 'c1');
    o.push('b', 'b1');
    o.push('a', 'a1');
    o.flush();
    expect(out).toEqual(['a1', 'b1', 'c1']);
    o.push('b', 'b2');
    expect(out).toEqual(['a1', 'b1', 'c1', 'b2']);
  });
});
