import { Table, useMatches } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A wide table's frame: from the `sm` breakpoint up, at least `minWidth` wide and scrolled
 * sideways in its card when the page is narrower (as before); below it (phones) as wide as the
 * page, its secondary columns hidden with `visibleFrom="sm"` so that nothing scrolls sideways.
 */
export function TableFrame({ minWidth, children }: { minWidth: number; children: ReactNode }) {
  // Read at once (not after a first render), so a desktop never shows the phone layout.
  const width = useMatches({ base: 0, sm: minWidth }, { getInitialValueInEffect: false });
  return <Table.ScrollContainer minWidth={width}>{children}</Table.ScrollContainer>;
}
