import { describe, expect, it } from 'vitest';
import { nonNegativeVar, positiveIntVar, positiveVar } from './env-vars';

describe('numeric vars', () => {
  it('falls back on unset, empty, non-numeric and out-of-range values', () => {
    for (const value of [undefined, '', 'abc', 'NaN', 'Infinity', '-1']) {
      expect(positiveVar(value, 7)).toBe(7);
      expect(positiveIntVar(value, 7)).toBe(7);
      expect(nonNegativeVar(value, 7)).toBe(7);
    }
  });

  it('zero is only admitted where it means "off", fractions only where a count is not asked for', () => {
    expect(positiveVar('0', 7)).toBe(7);
    expect(positiveIntVar('0', 7)).toBe(7);
    expect(nonNegativeVar('0', 7)).toBe(0);
    expect(positiveVar('1.5', 7)).toBe(1.5);
    expect(nonNegativeVar('1.5', 7)).toBe(1.5);
    expect(positiveIntVar('1.5', 7)).toBe(7);
    expect(positiveIntVar('4', 7)).toBe(4);
  });
});
