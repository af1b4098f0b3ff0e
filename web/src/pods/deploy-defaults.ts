/** What the Deploy dialog opens with, so that deploying is one click after opening it. */

const WORDS = [
  'amber',
  'brisk',
  'cobalt',
  'dune',
  'ember',
  'fjord',
  'granite',
  'harbor',
  'iris',
  'juniper',
];

/** A suggested Pod name, e.g. `hello-web-cobalt-4821`. */
export function suggestPodName(
  templateId: string | undefined,
  random: () => number = Math.random,
): string {
  const word = WORDS[Math.floor(random() * WORDS.length)] ?? 'pod';
  const digits = String(Math.floor(random() * 10_000)).padStart(4, '0');
  return `${templateId ?? 'pod'}-${word}-${digits}`;
}

/** A GPU type as the catalog gives it: `available` null when the driver does not count. */
export interface GpuAvailability {
  id: string;
  available: number | null;
}

/** The first GPU type with at least `count` free (or not counted); else the first of all. */
export function firstAvailableGpu<T extends GpuAvailability>(
  gpuTypes: readonly T[],
  count = 1,
): T | undefined {
  return gpuTypes.find((g) => g.available === null || g.available >= count) ?? gpuTypes[0];
}

/** "3 free now", "none free now", or nothing when not counted. */
export function availabilityLabel(available: number | null): string | null {
  if (available === null) return null;
  return available === 0 ? 'none free now' : `${available} free now`;
}
