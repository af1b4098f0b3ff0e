import { Alert } from '@mantine/core';
import { IconShieldCheck } from '@tabler/icons-react';
import { FormError } from '../components/errors';
import type { useVerifyAudit } from './audit-api';

/** What Verify integrity found: the chain whole, or its first broken link. */
export function VerifyResult({ result }: { result: ReturnType<typeof useVerifyAudit> }) {
  if (result.error) return <FormError error={result.error} />;
  const data = result.data;
  if (!data) return null;
  const from =
    data.startedAfterSeq > 0 ? ` (from the prune checkpoint at #${data.startedAfterSeq})` : '';
  return data.ok ? (
    <Alert
      color="green"
      variant="light"
      icon={<IconShieldCheck size={18} />}
      title="Integrity verified"
      data-testid="verify-result"
      withCloseButton
      onClose={() => result.reset()}
    >
      All {data.checked.toLocaleString()} events are linked and unaltered{from}.
    </Alert>
  ) : (
    <Alert
      color="red"
      variant="light"
      title="The audit log does not verify"
      data-testid="verify-result"
      withCloseButton
      onClose={() => result.reset()}
    >
      First broken link: event #{data.firstBrokenSeq ?? '?'}
      {data.firstBrokenId ? ` (${data.firstBrokenId})` : ''} — {data.reason}. Checked{' '}
      {data.checked.toLocaleString()} events{from}.
    </Alert>
  );
}
