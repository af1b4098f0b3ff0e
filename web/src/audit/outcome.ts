import type { Outcome } from './audit-filters';

/** The badge colour of each outcome. */
export const OUTCOME_COLOR: Record<Outcome, string> = {
  success: 'green',
  denied: 'orange',
  failure: 'red',
};
