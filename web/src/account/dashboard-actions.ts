import type { ComponentType } from 'react';
import type { Account } from '../api/client';
import { ConvertToTeamButton } from '../teams/ConvertToTeamButton';

/** Buttons shown at the top of the dashboard (e.g. Convert to Team Account); modules add theirs. */
export const DASHBOARD_ACTIONS: ComponentType<{ account: Account }>[] = [ConvertToTeamButton];
