import { Table, useMatches } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A wide table's frame: from the `md` breakpoint up, at least `minWidth` wide and scrolled
 * sideways in its card when the page is narrower; below it (phones, and tablets, whose content
 * column beside the navigation is no wider than a phone's) as wide as the page, its secondary
 * columns hidden with `visibleFrom="md"` so that nothing scrolls sideways.
 */
export function TableFrame({ minWidth, children }: { minWidth: number; children: ReactNode }) {
  // Read at once (not after a first render), so a desktop never shows the compact layout.
  const width = useMatches({ base: 0, md: minWidth }, { getInitialValueInEffect: false });
  return <Table.ScrollContainer minWidth={width}>{children}</Table.ScrollContainer>;
}
