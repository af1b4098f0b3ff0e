import { ApiError } from './client';

/** The top-level input a field path names: `/env/FOO` → `env`, `body/email` → `email`. */
function topField(path: string): string | null {
  const parts = path
    .replace(/^(body|query|params)(\/|$)/, '')
    .split(/[/.]/)
    .filter(Boolean);
  return parts[0] ?? null;
}

/**
 * The field an API error is about and its sentence. The server names the field (`field`, from
 * the validator's instance path); an older server only says it in the message
 * (`body/email must …`), which is read as a fallback.
 */
export function fieldError(error: unknown): { field: string | null; message: string } | null {
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    return { field: null, message: error instanceof Error ? error.message : String(error) };
  }
  const match = /^body\/([\w/]+) (.*)$/.exec(error.message);
  if (error.field !== null) {
    return { field: topField(error.field), message: match?.[2] ?? error.message };
  }
  if (match) return { field: topField(match[1] ?? ''), message: match[2] ?? error.message };
  return { field: null, message: error.message };
}
