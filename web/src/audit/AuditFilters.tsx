import {
  Button,
  Card,
  Collapse,
  Group,
  Select,
  SimpleGrid,
  Switch,
  useMatches,
} from '@mantine/core';
import { IconChevronDown, IconChevronUp, IconFilter } from '@tabler/icons-react';
import { useState } from 'react';
import { useAuditActors } from './audit-api';
import {
  type AuditView,
  activeFilterCount,
  OUTCOMES,
  type Outcome,
  RESOURCE_TYPES,
  type ResourceType,
} from './audit-filters';
import { DateRangeFilter } from './DateRangeFilter';
import { ActionFilter, ResourceIdFilter } from './text-filters';
import { useAuditView } from './use-audit-view';

/** The filters, kept in the URL; folded behind a button on a phone. */
export function AuditFilters({ accountId, view }: { accountId: string; view: AuditView }) {
  const { update, clear } = useAuditView();
  const actors = useAuditActors(accountId);
  const people = actors.data?.items ?? [];
  const option = (a: (typeof people)[number]) => ({
    value: a.userId,
    label: a.email ?? a.name ?? a.userId,
  });
  const userData = [
    { group: 'Members', items: people.filter((a) => a.isMember).map(option) },
    { group: 'Former members', items: people.filter((a) => !a.isMember).map(option) },
  ].filter((g) => g.items.length > 0);
  const applied = activeFilterCount(view);
  const active = applied > 0;
  // On a phone the six fields would push the events off the first screen: they fold away
  // behind a Filters button that counts what is applied. From the sm breakpoint up they show.
  // The theme's breakpoint, read at once (not after a first render), as TableFrame reads it.
  const phone = useMatches({ base: true, sm: false }, { getInitialValueInEffect: false });
  const [opened, setOpened] = useState(false);
  return (
    <Card withBorder>
      {phone && (
        <Group justify="space-between">
          <Button
            variant="subtle"
            size="compact-sm"
            leftSection={<IconFilter size={16} />}
            rightSection={opened ? <IconChevronUp size={14} /> : <IconChevronDown size={14} />}
            aria-expanded={opened}
            aria-controls="audit-filters"
            onClick={() => setOpened((o) => !o)}
            data-testid="audit-filters-toggle"
          >
            {applied > 0 ? `Filters · ${applied}` : 'Filters'}
          </Button>
          {active && !opened && (
            <Button variant="subtle" size="compact-xs" onClick={clear}>
              Clear
            </Button>
          )}
        </Group>
      )}
      <Collapse expanded={!phone || opened} id="audit-filters" mt={phone && opened ? 'xs' : 0}>
        {/* Inputs line up along each row's bottom: Action and Resource ID carry a description. */}
        <SimpleGrid
          cols={{ base: 1, sm: 2, lg: 3 }}
          spacing="sm"
          verticalSpacing="xs"
          style={{ alignItems: 'end' }}
        >
          <DateRangeFilter
            key={`${view.range}-${view.from}-${view.to}`}
            view={view}
            onApply={update}
          />
          <Select
            label="User"
            placeholder="Anyone"
            data={userData}
            value={view.userId}
            onChange={(value) => update({ userId: value })}
            searchable
            clearable
            nothingFoundMessage="Nobody by that name"
          />
          <ActionFilter
            value={view.action}
            onApply={(action, options) => update({ action }, options)}
          />
          <Select
            label="Resource type"
            placeholder="Any"
            data={RESOURCE_TYPES}
            value={view.resourceType}
            onChange={(value) => update({ resourceType: value as ResourceType | null })}
            clearable
          />
          <ResourceIdFilter
            value={view.resourceId}
            onApply={(resourceId, options) => update({ resourceId }, options)}
          />
          <Select
            label="Outcome"
            placeholder="Any"
            data={OUTCOMES}
            value={view.outcome}
            onChange={(value) => update({ outcome: value as Outcome | null })}
            clearable
          />
        </SimpleGrid>
        <Group justify="space-between" mt="xs">
          <Switch
            label="Show system events"
            description="The meter's charge for each running Pod, every minute"
            checked={view.showSystem}
            onChange={(event) => update({ showSystem: event.currentTarget.checked })}
            data-testid="audit-show-system"
          />
          {active && (
            <Button variant="subtle" size="xs" onClick={clear}>
              Clear filters
            </Button>
          )}
        </Group>
      </Collapse>
    </Card>
  );
}
