import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney } from '../format/money';

/** One bar per day (heights only: money stays a decimal string in the tooltip). */
export interface UsageDay {
  day: string;
  usage: number;
  amount: string;
}

/**
 * The usage bars (recharts directly: the locked @mantine/charts brings its own @mantine/core).
 * Loaded only by the Billing page, in its own chunk.
 */
export default function UsageChart({ data, currency }: { data: UsageDay[]; currency: string }) {
  return (
    <ResponsiveContainer>
      <BarChart data={data} margin={{ top: 8, right: 8, left: 8, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="day" fontSize={12} tickLine={false} />
        <YAxis
          fontSize={12}
          tickLine={false}
          axisLine={false}
          width={56}
          tickFormatter={(value: number) => formatMoney(String(value), currency)}
        />
        <Tooltip
          formatter={(value, _name, item) => [
            formatMoney(String(item.payload?.amount ?? value), currency),
            'Usage',
          ]}
        />
        <Bar dataKey="usage" fill="var(--mantine-primary-color-filled)" radius={[3, 3, 0, 0]} />
      </BarChart>
    </ResponsiveContainer>
  );
}
