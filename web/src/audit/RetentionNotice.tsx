import { Alert, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, call } from '../api/client';
import { describeRetention } from './retention';

/** The audit log's retention under the page title, and a pending shorter one as a notice. */
export function RetentionNotice({ accountId }: { accountId: string }) {
  const settings = useQuery({
    queryKey: ['audit-settings', accountId],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs/settings', {
          params: { path: { accountId } },
        }),
      ),
  });
  if (!settings.data) return null;
  const { kept, pending } = describeRetention(settings.data);
  return (
    <>
      <Text size="sm" c="dimmed" data-testid="audit-retention">
        {kept}
      </Text>
      {pending && (
        <Alert color="yellow" data-testid="audit-retention-pending">
          {pending}
        </Alert>
      )}
    </>
  );
}
