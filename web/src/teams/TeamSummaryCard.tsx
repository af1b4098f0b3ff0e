import { Text } from '@mantine/core';
import type { Account } from '../api/client';
import { usePolicy } from '../api/hooks';
import { SummaryCard, SummaryFigure } from '../components/SummaryCard';
import { useInvites } from './invites-api';
import { useMembers } from './teams-api';

/** The dashboard's Team card: members and pending invites (team accounts, members.manage). */
export function TeamSummaryCard({ account }: { account: Account }) {
  const { can } = usePolicy(account);
  const allowed = account.kind === 'team' && can('members.manage');
  const members = useMembers(account.id, allowed);
  const invites = useInvites(account.id, allowed);
  if (!allowed) return null;
  const pending = invites.data?.items.length;
  return (
    <SummaryCard
      title="Team"
      to={`/accounts/${account.id}/team`}
      linkLabel="Manage team"
      testId="dashboard-team"
      query={members}
      what="members"
    >
      {({ items }) => (
        <>
          <SummaryFigure testId="dashboard-team-members">
            {items.length} member{items.length === 1 ? '' : 's'}
          </SummaryFigure>
          {pending !== undefined && (
            <Text size="sm" data-testid="dashboard-team-invites">
              {pending === 0
                ? 'No pending invites'
                : `${pending} pending invite${pending === 1 ? '' : 's'}`}
            </Text>
          )}
        </>
      )}
    </SummaryCard>
  );
}
