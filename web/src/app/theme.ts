import {
  Alert,
  Anchor,
  type CSSVariablesResolver,
  createTheme,
  DEFAULT_THEME,
  Drawer,
  type MantineColorsTuple,
  Modal,
  Notification,
} from '@mantine/core';

/** A default palette with its two darkest shades replaced (for AA contrast). */
function deepened(name: keyof typeof DEFAULT_THEME.colors, eight: string, nine: string) {
  const shades = [...(DEFAULT_THEME.colors[name] ?? [])];
  shades[8] = eight;
  shades[9] = nine;
  return shades as unknown as MantineColorsTuple;
}

/**
 * Palettes whose shades 8 and 9 are too light for WCAG AA (4.5:1) as a filled button's
 * background under white text, or as text on their light (10 %) tint: darkened just enough.
 */
const colors = {
  green: deepened('green', '#278238', '#277c38'),
  orange: deepened('orange', '#c34b0a', '#bf3f0d'),
  yellow: deepened('yellow', '#a86200', '#aa5800'),
  teal: deepened('teal', '#08835e', '#087c59'),
  red: deepened('red', '#d72f2f', '#c92a2a'),
  cyan: deepened('cyan', '#0b7d90', '#0b7285'),
};

/** Colours the console uses as light badges, alerts and coloured text. */
const TINTED = [
  'green',
  'orange',
  'yellow',
  'teal',
  'red',
  'cyan',
  'blue',
  'indigo',
  'violet',
  'grape',
  'gray',
];

/**
 * Text colours with AA contrast in both schemes (values measured with axe-core's formula):
 * dimmed text, coloured text and the text of light variants one shade darker in light, lighter
 * in dark than Mantine's defaults; the error red likewise. `--gantry-*` are the console's own.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => {
  const light: Record<string, string> = {
    '--mantine-color-dimmed': '#646b72',
    '--mantine-color-error': 'var(--mantine-color-red-9)',
    '--mantine-color-anchor': 'var(--mantine-color-indigo-8)',
    '--mantine-color-placeholder': '#646b72',
    '--mantine-primary-color-light-color': 'var(--mantine-color-indigo-9)',
    '--gantry-brand': 'var(--mantine-color-indigo-8)',
    '--gantry-positive': 'var(--mantine-color-green-9)',
    '--gantry-page-background': 'var(--mantine-color-gray-0)',
  };
  const dark: Record<string, string> = {
    '--mantine-color-dimmed': 'var(--mantine-color-dark-1)',
    '--mantine-color-error': 'var(--mantine-color-red-4)',
    '--mantine-color-anchor': 'var(--mantine-color-indigo-3)',
    '--mantine-color-placeholder': 'var(--mantine-color-dark-1)',
    '--mantine-primary-color-light-color': 'var(--mantine-color-indigo-3)',
    '--gantry-brand': 'var(--mantine-color-indigo-3)',
    '--gantry-positive': 'var(--mantine-color-green-4)',
    '--gantry-page-background': 'var(--mantine-color-dark-8)',
  };
  for (const color of TINTED) {
    const deep = color === 'gray' ? 7 : 9;
    light[`--mantine-color-${color}-light-color`] = `var(--mantine-color-${color}-${deep})`;
    light[`--mantine-color-${color}-text`] = `var(--mantine-color-${color}-${deep})`;
    dark[`--mantine-color-${color}-light-color`] = `var(--mantine-color-${color}-3)`;
    dark[`--mantine-color-${color}-text`] = `var(--mantine-color-${color}-3)`;
  }
  return { variables: {}, light, dark };
};

/**
 * The console's theme: indigo, filled colours at shade 8 (white text at AA contrast), links
 * always underlined (told apart from the text around them by more than colour), and every
 * close button named.
 */
export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'md',
  // Someone who asks their system for less motion gets no transitions.
  respectReducedMotion: true,
  colors,
  components: {
    Anchor: Anchor.extend({ defaultProps: { underline: 'always' } }),
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Drawer: Drawer.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } },
    }),
    Alert: Alert.extend({ defaultProps: { closeButtonLabel: 'Dismiss' } }),
  },
});
