import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { type AuditView, readView, writeView } from './audit-filters';

/** Options of a filter change: replace the history entry rather than add one. */
export interface ApplyOptions {
  replace: boolean;
}

/** The Audit logs view in the URL, and how to change part of it (or clear it). */
export function useAuditView() {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const view = useMemo(() => readView(new URLSearchParams(search)), [search]);
  // From the address bar, not this render's params: two quick changes must not undo each other.
  const update = (patch: Partial<AuditView>, options?: ApplyOptions) =>
    setParams(
      writeView({ ...readView(new URLSearchParams(window.location.search)), ...patch }),
      options,
    );
  const clear = () => setParams(new URLSearchParams());
  return { view, update, clear };
}
