import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../src/platform/db/turn-batch.ts';

describe('TurnBatch', () => {
  it('answers the keys asked for in one turn with one load, each key once, each caller its own copy', async () => {
    const loads: string[][] = [];
    const batch = new TurnBatch<string, { key: string; seen: number }>(async (keys) => {
      loads.push(keys);
      return new Map(keys.filter((k) => k !== 'missing').map((k) => [k, { key: k, seen: 0 }]));
    }, (value) => ({ ...value }));
    const [a1, b, a2, missing] = await Promise.all(['a', 'b', 'a', 'missing'].map((k) => batch.load(k)));
    expect(loads).toEqual([['a', 'b', 'missing']]);
    expect(a1).toEqual({ key: 'a', seen: 0 });
    expect(b).toEqual({ key: 'b', seen: 0 });
    expect(missing).toBeUndefined();
    a1!.seen = 1;
    expect(a2!.seen).toBe(0);
    // The next turn is the next batch.
    await batch.load('c');
    expect(loads).toEqual([['a', 'b', 'missing'], ['c']]);
  });

  it('splits a large turn into batches of at most maxBatch and fails every caller of a failed load', async () => {
    const loads: number[] = [];
    const batch = new TurnBatch<number, number>(async (keys) => {
      loads.push(keys.length);
      if (keys.includes(7)) throw new Error('database gone');
      return new Map(keys.map((k) => [k, k * 2]));
    }, (value) => value, 5);
    const settled = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => batch.load(i)));
    expect(loads).toEqual([5, 5, 2]);
    expect(settled.map((s) => s.status)).toEqual([...Array(5).fill('fulfilled'), ...Array(5).fill('rejected'), ...Array(2).fill('fulfilled')]);
    expect(settled[11]).toEqual({ status: 'fulfilled', value: 22 });
    expect((settled[7] as PromiseRejectedResult).reason.message).toBe('database gone');
  });
});
