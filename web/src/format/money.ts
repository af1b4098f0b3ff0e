/**
 * Money arrives from the API as decimal strings (`"24.991034"`, six decimals of one currency).
 * It is formatted here, and only here, with integer arithmetic on the digits: never through a
 * float, so `0.1 + 0.2` style errors never reach the screen.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

interface Decimal {
  negative: boolean;
  /** The digits without the point: `"24.99"` → 2499n. */
  units: bigint;
  /** How many of them are decimals. */
  scale: number;
}

function parseDecimal(amount: string): Decimal | null {
  const match = DECIMAL.exec(amount.trim());
  if (!match) return null;
  const [, sign = '', whole = '0', frac = ''] = match;
  return { negative: sign === '-', units: BigInt(whole + frac), scale: frac.length };
}

/** Rounds to `decimals` (half away from zero) and writes the digits with a point. */
function digitsOf({ units, scale }: Decimal, decimals: number): string {
  let rounded = units;
  if (scale > decimals) {
    const divisor = 10n ** BigInt(scale - decimals);
    rounded = units / divisor + ((units % divisor) * 2n >= divisor ? 1n : 0n);
  } else {
    rounded = units * 10n ** BigInt(decimals - scale);
  }
  const text = rounded.toString().padStart(decimals + 1, '0');
  const whole = text.slice(0, text.length - decimals);
  const frac = text.slice(text.length - decimals);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return decimals > 0 ? `${grouped}.${frac}` : grouped;
}

const symbols = new Map<string, string>();

/**
 * What goes before the digits: `USD` → `$`, `EUR` → `€`, `CHF` → `CHF ` (with the no-break space
 * the browser puts after a code); the code and a space for one the browser does not know.
 */
function currencySymbol(currency: string): string {
  let symbol = symbols.get(currency);
  if (symbol === undefined) {
    try {
      const parts = new Intl.NumberFormat('en-US', { style: 'currency', currency }).formatToParts(
        0,
      );
      const digits = parts.findIndex((part) => part.type === 'integer');
      symbol = parts
        .slice(0, digits)
        .map((part) => part.value)
        .join('');
    } catch {
      symbol = `${currency} `;
    }
    symbols.set(currency, symbol);
  }
  return symbol;
}

function withSymbol(decimal: Decimal, digits: string, currency: string): string {
  const zero = /^[0.,]+$/.test(digits);
  return `${decimal.negative && !zero ? '-' : ''}${currencySymbol(currency)}${digits}`;
}

/** A balance, limit or amount: `"24.991034"` → `$24.99`, `"-0.008966"` → `-$0.01`. */
export function formatMoney(amount: string, currency = 'USD'): string {
  const decimal = parseDecimal(amount);
  if (!decimal) return amount;
  return withSymbol(decimal, digitsOf(decimal, 2), currency);
}

/**
 * A price or spend per hour: two decimals, like {@link formatMoney}, except under a cent, where
 * the decimals that matter are kept (`"0.004200"` → `$0.0042`). The caller adds the unit (`/h`).
 */
export function formatRate(amount: string, currency = 'USD'): string {
  const decimal = parseDecimal(amount);
  if (!decimal) return amount;
  const cent = 10n ** BigInt(Math.max(decimal.scale - 2, 0));
  if (decimal.units === 0n || decimal.units >= cent || decimal.scale <= 2) {
    return formatMoney(amount, currency);
  }
  const frac = amount.split('.')[1]?.replace(/0+$/, '') ?? '';
  return withSymbol(decimal, digitsOf(decimal, Math.max(frac.length, 2)), currency);
}

/**
 * The value a money input starts with: `"80.000000"` → `"80.00"`, `"80.005000"` → `"80.005"`
 * (two decimals at least, more only when they are not zero, so saving unchanged changes nothing).
 */
export function moneyInputValue(amount: string): string {
  const match = DECIMAL.exec(amount.trim());
  if (!match) return amount;
  const [, sign = '', whole = '0', frac = ''] = match;
  return `${sign}${whole}.${frac.replace(/0+$/, '').padEnd(2, '0')}`;
}

/** `"1.990000"` × 2 → `"3.980000"`, exactly (a price times a GPU count). */
export function multiplyMoney(amount: string, factor: number): string {
  const decimal = parseDecimal(amount);
  if (!decimal || !Number.isInteger(factor)) return amount;
  const product = decimal.units * BigInt(factor);
  const text = product.toString().padStart(decimal.scale + 1, '0');
  const whole = text.slice(0, text.length - decimal.scale);
  const frac = text.slice(text.length - decimal.scale);
  return `${decimal.negative ? '-' : ''}${whole}${decimal.scale ? `.${frac}` : ''}`;
}

/**
 * A ledger amount, signed and precise: `"25"` → `+$25.00`, `"-0.004912"` → `-$0.0049`,
 * `"-1.234567"` → `-$1.2346`. Two decimals when they say it all, else four (six under a hundredth
 * of a cent), so that a small charge never reads as `$0.00`.
 */
export function formatAmount(amount: string, currency = 'USD'): string {
  const decimal = parseDecimal(amount);
  if (!decimal) return amount;
  if (decimal.units === 0n) return withSymbol(decimal, digitsOf(decimal, 2), currency);
  const exact = (decimals: number) =>
    decimal.scale <= decimals || decimal.units % 10n ** BigInt(decimal.scale - decimals) === 0n;
  let decimals = exact(2) ? 2 : exact(3) ? 3 : 4;
  // Under a hundredth of a cent, all six decimals the API keeps.
  if (/^[0.,]+$/.test(digitsOf(decimal, decimals))) decimals = 6;
  const digits = digitsOf(decimal, decimals);
  return `${decimal.negative ? '-' : '+'}${currencySymbol(currency)}${digits}`;
}
