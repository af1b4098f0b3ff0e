import { Autocomplete, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useEffect, useRef, useState } from 'react';
import {
  ACTION_PATTERN,
  ACTION_PREFIXES,
  couldBecomeAction,
  isResourceId,
  KNOWN_ACTIONS,
  RESOURCE_ID_MAX_LENGTH,
} from './audit-filters';
import type { ApplyOptions } from './use-audit-view';

/** How long a text filter waits after the last keystroke before it applies. */
const TYPING_DELAY_MS = 350;

export type ApplyFilter = (value: string | null, options: ApplyOptions) => void;

/**
 * A free-text filter's input. What is typed applies `TYPING_DELAY_MS` after the last keystroke
 * (not on every one) when `appliesWhileTyping` says so, or at once on `commit` (Enter, blur, a
 * picked option); text `accepts` refuses never applies. One edit makes one history entry. When
 * the URL's value changes elsewhere (Clear filters, Back), the input shows it.
 */
function useTextFilter(
  value: string | null,
  onApply: ApplyFilter,
  accepts: (text: string) => boolean,
  appliesWhileTyping: (text: string) => boolean = accepts,
) {
  const [text, setText] = useState(value ?? '');
  // `settled`: no keystroke for TYPING_DELAY_MS; `committed`: Enter, blur or pick since.
  const [state, setState] = useState({ settled: true, committed: false });
  const applied = useRef(value);
  const editing = useRef(false);
  const apply = (next: string, applies = accepts) => {
    const trimmed = next.trim();
    if (trimmed !== '' && !applies(trimmed)) return;
    const filter = trimmed || null;
    if (filter === applied.current) return;
    applied.current = filter;
    onApply(filter, { replace: editing.current });
    editing.current = true;
  };
  const settle = useDebouncedCallback((next: string) => {
    setState({ settled: true, committed: false });
    apply(next, appliesWhileTyping);
  }, TYPING_DELAY_MS);
  useEffect(() => {
    if (value === applied.current) return;
    settle.cancel();
    applied.current = value;
    editing.current = false;
    setText(value ?? '');
    setState({ settled: true, committed: false });
  }, [value, settle]);
  return {
    text,
    ...state,
    change(next: string) {
      setText(next);
      setState({ settled: false, committed: false });
      settle(next);
    },
    commit(next: string = text) {
      settle.cancel();
      setState({ settled: true, committed: true });
      apply(next);
      editing.current = false;
    },
  };
}

/** The Action filter: applies as you type, at once on Enter, on blur or when an option is picked. */
export function ActionFilter({ value, onApply }: { value: string | null; onApply: ApplyFilter }) {
  // While typing, only a whole action or a prefix applies: `pod` and `pod.st` are on their way
  // to `pod.stop` and would match nothing. Enter or leaving the field applies any valid text.
  const filter = useTextFilter(
    value,
    onApply,
    (text) => ACTION_PATTERN.test(text),
    (text) =>
      (KNOWN_ACTIONS as readonly string[]).includes(text) ||
      (text.endsWith('.*') && ACTION_PATTERN.test(text)),
  );
  const trimmed = filter.text.trim();
  const invalid = trimmed !== '' && !ACTION_PATTERN.test(trimmed);
  // Half typed (`pod.`) is no mistake yet: only once committed, or when no more typing can fix it.
  const showError = filter.committed ? invalid : filter.settled && !couldBecomeAction(trimmed);
  return (
    <Autocomplete
      label="Action"
      description="An exact action, or a prefix ending in .*"
      placeholder="pod.stop or pod.*"
      value={filter.text}
      onChange={filter.change}
      onOptionSubmit={filter.commit}
      onClear={() => filter.commit('')}
      onBlur={() => filter.commit()}
      onKeyDown={(event) => event.key === 'Enter' && filter.commit()}
      data={[
        { group: 'All actions of', items: ACTION_PREFIXES },
        { group: 'Actions', items: KNOWN_ACTIONS },
      ]}
      limit={60}
      maxDropdownHeight={320}
      maxLength={64}
      error={showError ? 'Letters, dots and underscores; end with .* for a prefix' : undefined}
      clearable
    />
  );
}

/** The Resource ID filter (an exact ID): applies as you type, at once on Enter or blur. */
export function ResourceIdFilter({
  value,
  onApply,
}: {
  value: string | null;
  onApply: ApplyFilter;
}) {
  const filter = useTextFilter(value, onApply, isResourceId);
  return (
    <TextInput
      label="Resource ID"
      description="An exact ID: click one in the list to filter by it"
      placeholder="Any"
      maxLength={RESOURCE_ID_MAX_LENGTH}
      value={filter.text}
      onChange={(event) => filter.change(event.currentTarget.value)}
      onBlur={() => filter.commit()}
      onKeyDown={(event) => event.key === 'Enter' && filter.commit()}
    />
  );
}
