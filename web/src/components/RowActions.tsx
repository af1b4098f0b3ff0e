import { ActionIcon, Button, Group, Menu } from '@mantine/core';
import { IconDots } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { FullLayoutFrom } from './TableFrame';

/** One thing a table row lets you do, shown as a button or as an item of the row's menu. */
export interface RowAction {
  /** Stable and unique in the row. */
  key: string;
  label: string;
  onClick: () => void;
  icon?: ReactNode;
  color?: string;
  /** The desktop button's Mantine variant (`light` unless said). */
  variant?: 'light' | 'filled' | 'subtle' | 'default';
  loading?: boolean;
  disabled?: boolean;
  /**
   * Where it shows: `button` always as a button (the row's main action), `menu` always in the
   * menu, `responsive` (the default) as a button from the `from` breakpoint and in the menu
   * below it.
   */
  placement?: 'button' | 'menu' | 'responsive';
  /** A line above it in the menu (before a destructive item). */
  dividerBefore?: boolean;
}

/**
 * A row's actions from one list: buttons on a desktop, the same actions in a "…" menu on a
 * phone (and the ones placed `menu` in it on every screen).
 */
export function RowActions({
  actions,
  menuLabel,
  from = 'md',
  menuLoading = false,
  testId,
}: {
  actions: readonly RowAction[];
  /** The accessible name of the menu's button: "Actions for Ada". */
  menuLabel: string;
  from?: FullLayoutFrom;
  /** Shows the menu's button as busy (an action of the menu is running). */
  menuLoading?: boolean;
  testId?: string;
}) {
  const buttons = actions.filter((a) => a.placement !== 'menu');
  const inMenu = actions.filter((a) => a.placement !== 'button');
  const menuEverywhere = inMenu.some((a) => a.placement === 'menu');
  return (
    <Group gap={6} justify="flex-end" wrap="nowrap" data-testid={testId}>
      {buttons.map((action) => (
        <Button
          key={action.key}
          size="xs"
          variant={action.variant ?? 'light'}
          color={action.color}
          leftSection={action.icon}
          loading={action.loading}
          disabled={action.disabled}
          onClick={action.onClick}
          visibleFrom={action.placement === 'button' ? undefined : from}
        >
          {action.label}
        </Button>
      ))}
      {inMenu.length > 0 && (
        <Menu position="bottom-end" shadow="md" withinPortal>
          <Menu.Target>
            <ActionIcon
              variant="default"
              size={30}
              aria-label={menuLabel}
              loading={menuLoading}
              hiddenFrom={menuEverywhere ? undefined : from}
            >
              <IconDots size={16} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            {inMenu.map((action) => (
              <RowMenuItem key={action.key} action={action} from={from} />
            ))}
          </Menu.Dropdown>
        </Menu>
      )}
    </Group>
  );
}

function RowMenuItem({ action, from }: { action: RowAction; from: FullLayoutFrom }) {
  // A responsive action is a button from `from` up: there, its menu item hides.
  const hiddenFrom = action.placement === 'menu' ? undefined : from;
  return (
    <>
      {action.dividerBefore && <Menu.Divider hiddenFrom={hiddenFrom} />}
      <Menu.Item
        color={action.color}
        leftSection={action.icon}
        disabled={action.disabled || action.loading}
        onClick={action.onClick}
        hiddenFrom={hiddenFrom}
      >
        {action.label}
      </Menu.Item>
    </>
  );
}
