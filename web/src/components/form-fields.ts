import type { UseFormReturnType } from '@mantine/form';
import { errorFor } from './errors';

/**
 * A form field's input props (@mantine/form) with the API's error for it when the form has none
 * of its own: the message the server gave for this field, read from the error's `field`.
 */
export function apiFieldProps<Values>(
  form: UseFormReturnType<Values>,
  apiError: unknown,
  field: keyof Values & string,
  options?: { type?: 'input' | 'checkbox' },
) {
  const props = form.getInputProps(field, options);
  return { ...props, error: props.error ?? errorFor(apiError, field) };
}
