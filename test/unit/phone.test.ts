import { describe, expect, it } from 'vitest';
import { normalizePhone, PHONE_FOLDS, storedPhoneForms } from '../../src/server/common/phone';

describe('normalizePhone', () => {
  it.each([
    ['13800000000', '13800000000'],
    ['+86 138 0000 0000', '13800000000'],
    ['+86-138-0000-0000', '13800000000'],
    ['138-0000-0000', '13800000000'],
    ['8613800000000', '13800000000'],
    ['008613800000000', '13800000000'],
    ['１３８００００００００', '13800000000'],
    ['＋８６ １３８００００００００', '13800000000'],
    ['(138) 0000 0000', '13800000000'],
    ['+852 9123 4567', '85291234567'],
    ['138.0000.0000', '13800000000'],
    ['0086-138-0000-0000', '13800000000'],
    ['+86(138)0000-0000', '13800000000'],
    ['138\u30000000\u30000000', '13800000000'],
    ['138\u00a00000\u00a00000', '13800000000'],
  ])('reads %j as %j', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each([[''], ['   '], ['+'], ['12345'], ['138abc00000'], [null], [undefined], [13800000000]])('finds no usable number in %j', (input) => {
    expect(normalizePhone(input)).toBeUndefined();
  });
});

describe('the query\'s folding of stored phones', () => {
  /** What the nested REPLACE of the query does to a stored phone. */
  const fold = (stored: string) => PHONE_FOLDS.reduce((value, [from, to]) => value.split(from).join(to), stored);

  it.each([
    ['１３８００００００２２', '13800000022'],
    ['＋８６ １３８００００００２２', '8613800000022'],
    ['+86 138-0000-0022', '8613800000022'],
    ['0086 (138) 0000.0022', '008613800000022'],
    ['138\u30000000\u00a00022', '13800000022'],
    ['+852 9123 4567', '85291234567'],
  ])('folds %j to %j, one of the forms the query looks for', (stored, folded) => {
    expect(fold(stored)).toBe(folded);
    expect(storedPhoneForms(normalizePhone(stored)!)).toContain(folded);
  });

  it('looks for a mainland number with and without 86 / 0086, and any other number as it is', () => {
    expect(storedPhoneForms('13800000022')).toEqual(['13800000022', '8613800000022', '008613800000022']);
    expect(storedPhoneForms('85291234567')).toEqual(['85291234567']);
  });
});
