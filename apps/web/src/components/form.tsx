import { useId, useState, type ChangeEvent, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiError, describeError } from '../api/client';

/**
 * Submitting state and errors of one form. The API's messages that name a field ("email must be an
 * email") go next to that field; the rest show above the submit button.
 */
export function useFormSubmit(fields: string[]) {
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);

  async function run(action: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    setFieldErrors({});
    setFormError(null);
    try {
      await action();
      return true;
    } catch (err) {
      const byField: Record<string, string> = {};
      const rest: string[] = [];
      if (err instanceof ApiError) {
        for (const m of err.messages) {
          const field = fields.find((f) => m === f || m.startsWith(`${f} `) || m.startsWith(`${f}.`));
          if (field && !byField[field]) byField[field] = m;
          else rest.push(m);
        }
      } else rest.push(describeError(err));
      setFieldErrors(byField);
      setFormError(rest.length ? rest.join(' ') : null);
      return false;
    } finally {
      setBusy(false);
    }
  }

  const onSubmit = (action: () => Promise<void>) => (e: FormEvent) => {
    e.preventDefault();
    void run(action);
  };

  /** For checks made before calling the API (e.g. an amount that is not a number). */
  const setError = (field: string | null, message: string) =>
    field ? setFieldErrors((f) => ({ ...f, [field]: message })) : setFormError(message);

  /** A Field's `name`, `value`, `onChange` (calling `set` with the text) and its API error. */
  const bind = (name: string, value: string, set: (value: string) => void) => ({
    name,
    value,
    onChange: (e: ChangeEvent<HTMLInputElement>) => set(e.target.value),
    error: fieldErrors[name],
  });

  return { busy, fieldErrors, formError, onSubmit, run, setError, bind };
}

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  error?: string;
  hint?: ReactNode;
}

export function Field({ label, error, hint, ...input }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}
