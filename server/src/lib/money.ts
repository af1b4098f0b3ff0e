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
