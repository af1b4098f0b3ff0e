import type { components, paths } from '../api/schema';
import { KNOWN_ACTIONS } from './audit-actions';

export type AuditEvent = components['schemas']['AuditEvent'];
type ListQuery = NonNullable<
  paths['/api/v1/accounts/{accountId}/audit-logs']['get']['parameters']['query']
>;
export type ResourceType = NonNullable<ListQuery['resourceType']>;
export type Outcome = NonNullable<ListQuery['outcome']>;

export { KNOWN_ACTIONS };

/** What "Show system events" unfolds: the meter's charge per running Pod every minute. */
export const SYSTEM_ACTION = 'billing.charge';

/** `pod.*`, `member.*`, … : every action of one resource. */
export const ACTION_PREFIXES = [...new Set(KNOWN_ACTIONS.map((a) => `${a.split('.')[0]}.*`))];

/**
 * The values the list's filters accept, typed by the generated schema: a value the server adds
 * or drops fails to compile here.
 */
const RESOURCE_TYPE_SET: Record<ResourceType, true> = {
  account: true,
  member: true,
  invite: true,
  pod: true,
  billing: true,
  apikey: true,
  audit: true,
};
const OUTCOME_SET: Record<Outcome, true> = { success: true, denied: true, failure: true };

export const RESOURCE_TYPES = Object.keys(RESOURCE_TYPE_SET) as ResourceType[];
export const OUTCOMES = Object.keys(OUTCOME_SET) as Outcome[];

/** The same syntax the API accepts for `action`. */
export const ACTION_PATTERN = /^[a-z][a-z_]*(\.[a-z][a-z_]*)*(\.\*)?$/;

/**
 * Whether typing more could still make `text` an action the API accepts: `pod.` could (it is
 * `pod.stop` half typed), `Pod` or `pod stop` could not.
 */
export function couldBecomeAction(text: string): boolean {
  return ACTION_PATTERN.test(text) || ACTION_PATTERN.test(`${text}a`);
}

/** The longest Resource ID the API accepts, and its other rule: no control characters. */
export const RESOURCE_ID_MAX_LENGTH = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters the API refuses
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Whether the API accepts `text` as a Resource ID filter. */
export function isResourceId(text: string): boolean {
  return text.length <= RESOURCE_ID_MAX_LENGTH && !CONTROL_CHARACTER.test(text);
}

export const RANGE_PRESETS = [
  { value: 'all', label: 'All time', ms: null },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: 'custom', label: 'Custom…', ms: null },
] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number]['value'];

/** What the page's URL holds: `?range=7d&userId=…&action=pod.*` (all optional). */
export interface AuditView {
  range: RangePreset;
  /** ISO instants; only with `range=custom`. */
  from: string | null;
  to: string | null;
  userId: string | null;
  action: string | null;
  resourceType: ResourceType | null;
  resourceId: string | null;
  outcome: Outcome | null;
  /** The system's per-minute billing charges are folded away unless this is on (`?system=1`). */
  showSystem: boolean;
}

const FILTER_KEYS = ['userId', 'action', 'resourceType', 'resourceId', 'outcome'] as const;

function oneOf<T extends string>(values: readonly T[], value: string | null): T | null {
  return value !== null && (values as readonly string[]).includes(value) ? (value as T) : null;
}

/** Reads the view from the URL's search params, ignoring what it does not know. */
export function readView(params: URLSearchParams): AuditView {
  const range =
    oneOf(
      RANGE_PRESETS.map((p) => p.value),
      params.get('range'),
    ) ?? (params.get('from') || params.get('to') ? 'custom' : 'all');
  return {
    range,
    from: range === 'custom' ? params.get('from') || null : null,
    to: range === 'custom' ? params.get('to') || null : null,
    userId: params.get('userId') || null,
    action: params.get('action') || null,
    resourceType: oneOf(RESOURCE_TYPES, params.get('resourceType')),
    resourceId: params.get('resourceId') || null,
    outcome: oneOf(OUTCOMES, params.get('outcome')),
    showSystem: params.get('system') === '1',
  };
}

/** The view as search params (only what is set, `range` omitted when it is "all"). */
export function writeView(view: AuditView): URLSearchParams {
  const params = new URLSearchParams();
  if (view.range !== 'all') params.set('range', view.range);
  if (view.range === 'custom') {
    if (view.from) params.set('from', view.from);
    if (view.to) params.set('to', view.to);
  }
  for (const key of FILTER_KEYS) {
    const value = view[key];
    if (value) params.set(key, value);
  }
  if (view.showSystem) params.set('system', '1');
  return params;
}

/** How many filters a view applies; a date range (preset or custom) counts as one. */
export function activeFilterCount(view: AuditView): number {
  return (view.range !== 'all' ? 1 : 0) + FILTER_KEYS.filter((key) => Boolean(view[key])).length;
}

export interface AuditQuery {
  from?: string;
  to?: string;
  userId?: string;
  action?: string;
  resourceType?: ResourceType;
  resourceId?: string;
  outcome?: Outcome;
  excludeAction?: string;
}

/**
 * The API filters of a view at `now`: a preset becomes `from = now - span`
 * (so a shared "last 24 hours" link means the last 24 hours when opened).
 */
export function queryOf(view: AuditView, now: number): AuditQuery {
  const query: AuditQuery = {};
  const preset = RANGE_PRESETS.find((p) => p.value === view.range);
  if (preset?.ms) query.from = new Date(now - preset.ms).toISOString();
  if (view.range === 'custom') {
    if (view.from) query.from = view.from;
    if (view.to) query.to = view.to;
  }
  if (view.userId) query.userId = view.userId;
  if (view.action) query.action = view.action;
  if (view.resourceType) query.resourceType = view.resourceType;
  if (view.resourceId) query.resourceId = view.resourceId;
  if (view.outcome) query.outcome = view.outcome;
  // Folded unless shown, or asked for by name (an Action filter of billing.charge or billing.*).
  const asked = view.action !== null && SYSTEM_ACTION.startsWith(view.action.replace(/\*$/, ''));
  if (!view.showSystem && !asked) query.excludeAction = SYSTEM_ACTION;
  return query;
}

/** The export endpoint's URL for the same filters: a plain link the browser downloads. */
export function exportHref(accountId: string, query: AuditQuery, format: 'csv' | 'jsonl'): string {
  const params = new URLSearchParams({ ...query, format });
  return `/api/v1/accounts/${accountId}/audit-logs/export?${params.toString()}`;
}
