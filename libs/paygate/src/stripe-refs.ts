/** Stripe fields are an id or, when expanded, the object: the id either way. */
export function idOf(ref: string | { id: string } | null | undefined): string | null {
  if (!ref) return null;
  return typeof ref === 'string' ? ref : ref.id;
}

/** The expanded object, or null when Stripe sent only the id. */
export function expanded<T extends { id: string }>(ref: string | T | null | undefined): T | null {
  return ref && typeof ref === 'object' ? ref : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Our order id from Stripe metadata / client_reference_id, when it looks like one. */
export function orderIdFrom(...candidates: (string | null | undefined)[]): string | null {
  return candidates.find((c): c is string => typeof c === 'string' && UUID.test(c)) ?? null;
}
