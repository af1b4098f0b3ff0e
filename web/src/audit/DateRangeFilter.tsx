import '@mantine/dates/styles.css';
import { Group, Select } from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import dayjs from 'dayjs';
import { useState } from 'react';
import { type AuditView, RANGE_PRESETS, type RangePreset } from './audit-filters';

/** Local calendar days shown for the URL's instants (`to` is exclusive: the day before). */
function pickerValue(view: AuditView): [string | null, string | null] {
  return [
    view.from ? dayjs(view.from).format('YYYY-MM-DD') : null,
    view.to ? dayjs(view.to).subtract(1, 'day').format('YYYY-MM-DD') : null,
  ];
}

/** The date range: a preset, or custom days from the calendar. */
export function DateRangeFilter({
  view,
  onApply,
}: {
  view: AuditView;
  onApply(patch: Partial<AuditView>): void;
}) {
  const [days, setDays] = useState<[string | null, string | null]>(pickerValue(view));
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <Select
        label="Date range"
        data={RANGE_PRESETS.map((p) => ({ value: p.value, label: p.label }))}
        value={view.range}
        allowDeselect={false}
        onChange={(value) =>
          onApply({ range: (value ?? 'all') as RangePreset, from: null, to: null })
        }
        w={view.range === 'custom' ? 130 : undefined}
        style={view.range === 'custom' ? undefined : { flex: 1 }}
      />
      {view.range === 'custom' && (
        <DatePickerInput
          type="range"
          aria-label="Custom dates"
          placeholder="Pick dates"
          value={days}
          maxDate={dayjs().format('YYYY-MM-DD')}
          valueFormat="MMM D, YYYY"
          allowSingleDateInRange
          style={{ flex: 1 }}
          onChange={(next) => {
            const [start, end] = next.map((d) => (d ? String(d) : null));
            setDays([start ?? null, end ?? null]);
            if (start && end) {
              onApply({
                from: dayjs(start).startOf('day').toISOString(),
                to: dayjs(end).add(1, 'day').startOf('day').toISOString(),
              });
            }
          }}
        />
      )}
    </Group>
  );
}
