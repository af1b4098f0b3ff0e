import { Text } from '@mantine/core';
import type { Account } from '../api/client';
import { usePolicy } from '../api/hooks';
import { SummaryCard, SummaryFigure } from '../components/SummaryCard';
import { podsSummary, usePods } from './pods-api';

/** The dashboard's Pods card (needs pods.view). */
export function PodsSummaryCard({ account }: { account: Account }) {
  const { can } = usePolicy(account);
  const allowed = can('pods.view');
  const pods = usePods(account.id, false, allowed);
  if (!allowed) return null;
  const empty = pods.data?.items.length === 0;
  const offerDeploy = empty && can('pods.create');
  return (
    <SummaryCard
      title="Pods"
      // Deploy a Pod → opens the Deploy dialog on the Pods page.
      to={`/accounts/${account.id}/pods${offerDeploy ? '?deploy=1' : ''}`}
      linkLabel={offerDeploy ? 'Deploy a Pod' : 'View Pods'}
      testId="dashboard-pods"
      query={pods}
      what="Pods"
    >
      {({ items, nextCursor }) => {
        const summary = podsSummary(items);
        return (
          <>
            <SummaryFigure testId="dashboard-pods-running">
              {summary.running}
              {nextCursor ? '+' : ''} running
            </SummaryFigure>
            <Text size="sm">
              {items.length === 0
                ? 'No Pods yet'
                : `${summary.gpus} GPU${summary.gpus === 1 ? '' : 's'} in use`}
            </Text>
            {summary.others && (
              <Text size="xs" c="dimmed">
                {summary.others}
              </Text>
            )}
          </>
        );
      }}
    </SummaryCard>
  );
}
