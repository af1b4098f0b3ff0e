/** How many GPUs one Pod may have (the API takes 1–8). */
export const MAX_GPUS = 8;

/** What the Deploy form holds, as typed. */
export interface DeployValues {
  name: string;
  gpuType: string | null;
  gpuCount: number | string;
  templateId: string | null;
  envText: string;
}

export const INITIAL_DEPLOY: DeployValues = {
  name: '',
  gpuType: null,
  gpuCount: 1,
  templateId: null,
  envText: '',
};

/** The Deploy form's rules, field by field, in plain words (@mantine/form `validate`). */
export const DEPLOY_RULES = {
  name: (value: string) => (value.trim() ? null : 'Enter a name for the Pod'),
  gpuType: (value: string | null) => (value ? null : 'Pick a GPU type'),
  gpuCount: (value: number | string) => {
    if (value === '') return 'Enter how many GPUs the Pod gets';
    const count = Number(value);
    return Number.isInteger(count) && count >= 1 && count <= MAX_GPUS
      ? null
      : `Enter a whole number from 1 to ${MAX_GPUS}`;
  },
  templateId: (value: string | null) => (value ? null : 'Pick a template'),
};

/** Parses `KEY=value` lines into an env object. */
export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq < 0) env[line.trim()] = '';
    else env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return env;
}
