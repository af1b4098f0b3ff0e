import { Table, useMatches } from '@mantine/core';
import type { ReactNode } from 'react';

/** The breakpoint from which a table shows all its columns: `md` (992 px) or `lg` (1200 px). */
export type FullLayoutFrom = 'md' | 'lg';

/**
 * A wide table's frame: from the `from` breakpoint up, at least `minWidth` wide and scrolled
 * sideways in its card when the page is narrower; below it (phones, tablets, and — for tables
 * that need more room than a 1024 px laptop leaves beside the navigation — small laptops) as
 * wide as the page, its secondary columns hidden with `visibleFrom={from}` so that nothing
 * scrolls sideways.
 */
export function TableFrame({
  minWidth,
  from = 'md',
  children,
}: {
  minWidth: number;
  from?: FullLayoutFrom;
  children: ReactNode;
}) {
  // Read at once (not after a first render), so a desktop never shows the compact layout.
  const width = useMatches({ base: 0, [from]: minWidth }, { getInitialValueInEffect: false });
  return <Table.ScrollContainer minWidth={width}>{children}</Table.ScrollContainer>;
}
