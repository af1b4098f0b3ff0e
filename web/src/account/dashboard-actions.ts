import type { ComponentType } from 'react';
import type { Account } from '../api/client';
import { RecentActivityCard } from '../audit/RecentActivityCard';
import { BalanceSummaryCard } from '../billing/BalanceSummaryCard';
import { PodsSummaryCard } from '../pods/PodsSummaryCard';
import { ConvertToTeamButton } from '../teams/ConvertToTeamButton';
import { TeamSummaryCard } from '../teams/TeamSummaryCard';

type DashboardPart = ComponentType<{ account: Account }>;

/** Buttons shown at the top of the dashboard (e.g. Convert to Team Account); modules add theirs. */
export const DASHBOARD_ACTIONS: DashboardPart[] = [ConvertToTeamButton];

/**
 * The dashboard's cards, each from its module; a card the caller may not see renders nothing.
 * `DASHBOARD_CARDS` share a row; `DASHBOARD_PANELS` take the page's width below them.
 */
export const DASHBOARD_CARDS: DashboardPart[] = [
  PodsSummaryCard,
  BalanceSummaryCard,
  TeamSummaryCard,
];
export const DASHBOARD_PANELS: DashboardPart[] = [RecentActivityCard];
