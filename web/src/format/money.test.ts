import { describe, expect, it } from 'vitest';
import { formatAmount, formatMoney, formatRate, moneyInputValue, multiplyMoney } from './money';

describe('formatMoney', () => {
  it('writes two decimals, rounding half away from zero', () => {
    expect(formatMoney('24.991034')).toBe('$24.99');
    expect(formatMoney('24.995')).toBe('$25.00');
    expect(formatMoney('25')).toBe('$25.00');
    expect(formatMoney('1234567.5')).toBe('$1,234,567.50');
  });

  it('keeps the sign unless the amount rounds to zero', () => {
    expect(formatMoney('-0.008966')).toBe('-$0.01');
    expect(formatMoney('-0.001')).toBe('$0.00');
    expect(formatMoney('-12.5')).toBe('-$12.50');
  });

  it("writes the account's currency", () => {
    expect(formatMoney('12.34', 'EUR')).toBe('€12.34');
    expect(formatMoney('12.34', 'CHF')).toBe('CHF\u00a012.34');
  });

  it('gives back what is not a decimal string', () => {
    expect(formatMoney('abc')).toBe('abc');
  });
});

describe('formatRate', () => {
  it('keeps the digits that matter under a cent, two decimals otherwise', () => {
    expect(formatRate('0.004200')).toBe('$0.0042');
    expect(formatRate('0.000001')).toBe('$0.000001');
    expect(formatRate('0.690000')).toBe('$0.69');
    expect(formatRate('0.010000')).toBe('$0.01');
    expect(formatRate('0')).toBe('$0.00');
  });
});

describe('moneyInputValue', () => {
  it('starts inputs at two decimals, more only when they are not zero', () => {
    expect(moneyInputValue('80.000000')).toBe('80.00');
    expect(moneyInputValue('80.005000')).toBe('80.005');
    expect(moneyInputValue('5')).toBe('5.00');
  });
});

describe('multiplyMoney', () => {
  it('multiplies exactly, where floats would not', () => {
    expect(multiplyMoney('1.990000', 2)).toBe('3.980000');
    expect(multiplyMoney('0.1', 3)).toBe('0.3');
    expect(multiplyMoney('0.000001', 8)).toBe('0.000008');
  });

  it('gives back the amount for a factor that is not a whole number', () => {
    expect(multiplyMoney('1.5', 1.5)).toBe('1.5');
  });
});

describe('formatAmount', () => {
  it('signs every amount that is not zero', () => {
    expect(formatAmount('25')).toBe('+$25.00');
    expect(formatAmount('-12.5')).toBe('-$12.50');
    expect(formatAmount('0.000000')).toBe('$0.00');
  });

  it('keeps up to four decimals, so a small charge is never $0.00', () => {
    expect(formatAmount('-0.004912')).toBe('-$0.0049');
    expect(formatAmount('-0.000049')).toBe('-$0.000049');
    expect(formatAmount('-1.234567')).toBe('-$1.2346');
    expect(formatAmount('-0.125000')).toBe('-$0.125');
    expect(formatAmount('2.500000', 'EUR')).toBe('+€2.50');
  });
});
