import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdList, uuidWords } from '../src/domain/users/meta-lists.ts';

const hexOf = (ids: readonly string[]) => ids.map((id) => id.replace(/-/g, '')).join('');

describe('kept metadata lists: user ids as 128-bit numbers', () => {
  it('finds every id of a list and none other, whatever order the database handed them in', () => {
    const ids = Array.from({ length: 2000 }, () => randomUUID());
    const others = Array.from({ length: 2000 }, () => randomUUID());
    for (const order of [[...ids].sort(), ids]) {
      const list = IdList.fromHex(hexOf(order), order.length)!;
      expect(list.length).toBe(ids.length);
      expect(ids.filter((id) => !list.has(uuidWords(id)!))).toEqual([]);
      expect(others.filter((id) => list.has(uuidWords(id)!))).toEqual([]);
    }
  });

  it('keeps no list whose text is not lowercase UUIDs, and reads no id that is not one', () => {
    const ids = [randomUUID(), randomUUID()];
    expect(IdList.fromHex(hexOf(ids), 3)).toBeUndefined();
    expect(IdList.fromHex(hexOf(ids).replace(/^./, 'z'), 2)).toBeUndefined();
    expect(IdList.fromHex('', 0)?.length).toBe(0);
    expect(uuidWords(ids[0]!.toUpperCase())).toBeUndefined();
    expect(uuidWords('legacy-1')).toBeUndefined();
    expect(uuidWords('00000000-0000-0000-0000-0000000000ff')).toEqual([0, 0, 0, 255]);
  });
});
