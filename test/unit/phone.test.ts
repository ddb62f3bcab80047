import { describe, expect, it } from 'vitest';
import { normalizePhone } from '../../src/server/phone';

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
  ])('reads %j as %j', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each([[''], ['   '], ['+'], ['12345'], ['138abc00000'], [null], [undefined], [13800000000]])('finds no usable number in %j', (input) => {
    expect(normalizePhone(input)).toBeUndefined();
  });
});
