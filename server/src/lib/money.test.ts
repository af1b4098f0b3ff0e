import { describe, expect, it } from 'vitest';
import { displayMoney, formatMoney, moneyProblem, parseMoney, usageCost } from './money.js';

describe('money in integer micro-units', () => {
  it('parses and formats decimal strings exactly', () => {
    expect(parseMoney('0.1')).toBe(100_000);
    expect(parseMoney('0.2')).toBe(200_000);
    // 0.1 + 0.2 is 0.3 here, unlike in floating point.
    expect(formatMoney((parseMoney('0.1') ?? 0) + (parseMoney('0.2') ?? 0))).toBe('0.300000');
    expect(parseMoney('12.345678')).toBe(12_345_678);
    expect(parseMoney('-3.5')).toBe(-3_500_000);
    expect(parseMoney('1.2345678')).toBeNull();
    expect(parseMoney('1e3')).toBeNull();
    // Beyond 2^53 micro-units is refused rather than rounded.
    expect(parseMoney('999999999999.999999')).toBeNull();
    expect(formatMoney(-1)).toBe('-0.000001');
    expect(formatMoney(80_000_000)).toBe('80.000000');
    for (const text of ['0.000001', '25.000000', '9007199.254740', '-42.424242']) {
      expect(formatMoney(parseMoney(text) ?? 0)).toBe(text);
    }
  });

  it('explains what is wrong with an amount', () => {
    expect(moneyProblem('1.0000001')).toMatch(/6 decimals/);
    expect(moneyProblem('abc')).toMatch(/decimal amount/);
    expect(moneyProblem('99999999999999999')).toMatch(/too large/);
    expect(moneyProblem('12.50')).toBeNull();
  });

  it('costs running time with integer arithmetic, rounding down, never drifting', () => {
    expect(usageCost(3_600_000, 1)).toBe(1);
    expect(usageCost(1_234_567, 3_600_000)).toBe(1_234_567);
    expect(usageCost(1_000_000, 1_799)).toBe(499);
    // Large values that a float product would round: exact with BigInt.
    const price = 9_999_999_999;
    const ms = 900_719_925_474;
    expect(usageCost(price, ms)).toBe(Number((BigInt(price) * BigInt(ms)) / 3_600_000n));
    // Charging the difference of cumulative costs adds up to the cost of the whole.
    let charged = 0;
    let total = 0;
    for (let i = 0; i < 1000; i += 1) {
      const step = 997 + (i % 13);
      const next = usageCost(777_777, total + step) - usageCost(777_777, total);
      charged += next;
      total += step;
    }
    expect(charged).toBe(usageCost(777_777, total));
    expect(() => usageCost(-1, 1)).toThrow(RangeError);
  });

  it('displays amounts in the currency, with the decimals they have past the cents', () => {
    expect(displayMoney(2_990_000, 'USD')).toBe('$2.99');
    expect(displayMoney(690_000, 'EUR')).toBe('€0.69');
    expect(displayMoney(1_234_567, 'USD')).toBe('$1.234567');
    expect(displayMoney(80_000_000, 'USD')).toBe('$80.00');
  });
});
