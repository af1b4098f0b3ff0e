import { uuidv7 } from 'uuidv7';

/** A new time-sortable random id (UUIDv7). */
export function newId(): string {
  return uuidv7();
}

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
