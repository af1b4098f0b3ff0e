/** Money is integer micro-units (1 unit = 1,000,000 micro-units); never a float. */
export const MICRO = 1_000_000;

const DECIMAL = /^(-)?(\d{1,12})(?:\.(\d{1,6}))?$/;

/** Parses a decimal string such as "12.5" into micro-units; null if it is not one. */
export function parseMoney(text: string): number | null {
  const match = DECIMAL.exec(text.trim());
  if (!match) return null;
  const [, sign, whole = '0', frac = ''] = match;
  const micro = BigInt(whole) * BigInt(MICRO) + BigInt(frac.padEnd(6, '0'));
  const value = Number(sign ? -micro : micro);
  return Number.isSafeInteger(value) ? value : null;
}

/** Formats micro-units as a decimal string with six places: 12500000 → "12.500000". */
export function formatMoney(micro: number | bigint): string {
  const value = BigInt(micro);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / BigInt(MICRO);
  const frac = (abs % BigInt(MICRO)).toString().padStart(6, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/**
 * An amount for people to read, in the currency: `$2.99`, `€0.69`, or with as many decimals
 * as it has beyond the cents (`$1.234567`).
 */
export function displayMoney(micro: number | bigint, currency: string): string {
  const [whole, frac = ''] = formatMoney(micro).split('.');
  const decimals = Math.max(2, frac.replace(/0+$/, '').length);
  const value = Number(`${whole}.${frac}`);
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    }).format(value);
  } catch {
    return `${value.toFixed(decimals)} ${currency}`;
  }
}

/** Milliseconds in an hour: prices are per hour, running time is metered in milliseconds. */
export const MS_PER_HOUR = 3_600_000;

/**
 * What `ms` milliseconds cost at `pricePerHour` micro-units an hour, rounded down to a
 * whole micro-unit — exact integer arithmetic (BigInt), never a float. Metering charges
 * the difference of this between a Pod's old and new cumulative running time, so the
 * rounding remainder is carried and never drifts.
 */
export function usageCost(pricePerHour: number, ms: number): number {
  if (pricePerHour < 0 || ms < 0) throw new RangeError('usageCost takes non-negative values');
  return Number((BigInt(pricePerHour) * BigInt(ms)) / BigInt(MS_PER_HOUR));
}

/** Why a decimal money string is not acceptable, or null when `parseMoney` would take it. */
export function moneyProblem(text: string): string | null {
  const trimmed = text.trim();
  if (/^-?\d+\.\d{7,}$/.test(trimmed)) return 'must have at most 6 decimals';
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return 'must be a decimal amount such as "12.50"';
  if (parseMoney(trimmed) === null) return 'is too large';
  return null;
}
