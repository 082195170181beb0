import { invalidParam, missingParam, StripeApiError } from './stripe-error';

/** A decoded Stripe request parameter: `a[b][0][c]=v` becomes `{ a: { b: [{ c: 'v' }] } }`. */
export type ParamValue = string | ParamValue[] | ParamObject;
export interface ParamObject {
  [key: string]: ParamValue;
}

const KEY = /^([^[\]]+)((?:\[[^\]]*\])*)$/;

/**
 * Parses an `application/x-www-form-urlencoded` body (or query string) the way Stripe's API reads
 * the SDK's encoding: bracketed keys nest, numeric segments (and `[]`) make arrays. Children of a
 * `metadata` hash stay plain keys even when they look numeric.
 */
export function parseStripeParams(encoded: string): ParamObject {
  const root: ParamObject = {};
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const match = KEY.exec(rawKey);
    if (!match) throw invalidParam(rawKey, `Invalid parameter name: ${rawKey}`);
    const path = [match[1], ...[...match[2].matchAll(/\[([^\]]*)\]/g)].map((m) => m[1])];
    assign(root, path, value, rawKey);
  }
  return toArrays(root, false) as ParamObject;
}

const APPEND = '\u0000append';

function assign(root: ParamObject, path: string[], value: string, rawKey: string): void {
  let node: ParamObject = root;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i] === '' ? `${APPEND}${Object.keys(node).length}` : path[i];
    const next = node[segment];
    if (next === undefined) node[segment] = {};
    else if (typeof next === 'string') throw invalidParam(rawKey, `Invalid hash or array: ${rawKey}`);
    node = node[segment] as ParamObject;
  }
  const last = path[path.length - 1];
  node[last === '' ? `${APPEND}${Object.keys(node).length}` : last] = value;
}

function toArrays(value: ParamValue, insideMetadata: boolean): ParamValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const indexed = !insideMetadata && keys.length > 0 && keys.every((k) => /^\d+$/.test(k) || k.startsWith(APPEND));
  if (indexed) {
    return keys
      .map((k) => ({ k, i: k.startsWith(APPEND) ? Number(k.slice(APPEND.length)) : Number(k) }))
      .sort((a, b) => a.i - b.i)
      .map(({ k }) => toArrays(value[k], false));
  }
  const out: ParamObject = {};
  for (const k of keys) out[k] = insideMetadata ? value[k] : toArrays(value[k], k === 'metadata');
  return out;
}

/** Stable JSON of parameters, used to compare requests that share an idempotency key. */
export function canonicalParams(value: ParamValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalParams).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalParams(value[k])}`)
    .join(',')}}`;
}

/** Typed, Stripe-worded reads of one level of parameters; `prefix` names nested params in errors. */
export class Params {
  constructor(
    private readonly values: ParamObject,
    private readonly prefix = '',
  ) {}

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.values[key] !== undefined && this.values[key] !== '';
  }

  isHash(key: string): boolean {
    const v = this.values[key];
    return v !== undefined && typeof v !== 'string' && !Array.isArray(v);
  }

  rejectUnknown(allowed: readonly string[]): void {
    for (const key of Object.keys(this.values)) {
      if (!allowed.includes(key)) {
        throw new StripeApiError(
          400,
          `Received unknown parameter: ${this.name(key)}`,
          'invalid_request_error',
          this.name(key),
          'parameter_unknown',
        );
      }
    }
  }

  string(key: string, opts: { required?: boolean; max?: number; oneOf?: readonly string[] } = {}): string | undefined {
    const v = this.values[key];
    if (v === undefined || v === '') {
      if (opts.required) throw missingParam(this.name(key));
      return undefined;
    }
    if (typeof v !== 'string')
      throw invalidParam(
        this.name(key),
        `Invalid string: ${this.name(key)} must be a string`,
        'parameter_invalid_string',
      );
    if (opts.max !== undefined && v.length > opts.max) {
      throw invalidParam(
        this.name(key),
        `Invalid string: ${this.name(key)} must be at most ${opts.max} characters, got ${v.length}`,
        'string_too_long',
      );
    }
    if (opts.oneOf && !opts.oneOf.includes(v)) {
      throw invalidParam(
        this.name(key),
        `Invalid ${this.name(key)}: must be one of ${opts.oneOf.join(', ')}, got ${JSON.stringify(v)}`,
      );
    }
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.string(key, { oneOf: ['true', 'false'] });
    return v === undefined ? undefined : v === 'true';
  }

  integer(key: string, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const raw = this.string(key, { required: opts.required });
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw))
      throw invalidParam(this.name(key), `Invalid integer: ${raw}`, 'parameter_invalid_integer');
    const n = Number(raw);
    if (!Number.isSafeInteger(n))
      throw invalidParam(this.name(key), `Invalid integer: ${raw}`, 'parameter_invalid_integer');
    if (opts.min !== undefined && n < opts.min)
      throw invalidParam(
        this.name(key),
        `This value must be greater than or equal to ${opts.min} (${this.name(key)} was ${n}).`,
      );
    if (opts.max !== undefined && n > opts.max)
      throw invalidParam(
        this.name(key),
        `This value must be less than or equal to ${opts.max} (${this.name(key)} was ${n}).`,
      );
    return n;
  }

  object(key: string, opts: { required?: boolean } = {}): Params | undefined {
    const v = this.values[key];
    if (v === undefined || v === '') {
      if (opts.required) throw missingParam(this.name(key));
      return undefined;
    }
    if (typeof v === 'string' || Array.isArray(v))
      throw invalidParam(this.name(key), `Invalid object: ${this.name(key)} must be a hash`, 'parameter_invalid_empty');
    return new Params(v, this.name(key));
  }

  array(key: string, opts: { required?: boolean } = {}): Params[] | undefined {
    const v = this.values[key];
    if (v === undefined || v === '') {
      if (opts.required) throw missingParam(this.name(key));
      return undefined;
    }
    if (!Array.isArray(v)) throw invalidParam(this.name(key), `Invalid array: ${this.name(key)} must be an array`);
    return v.map((item, i) => {
      if (typeof item === 'string' || Array.isArray(item))
        throw invalidParam(`${this.name(key)}[${i}]`, `Invalid object: ${this.name(key)}[${i}] must be a hash`);
      return new Params(item, `${this.name(key)}[${i}]`);
    });
  }

  stringList(key: string): string[] {
    const v = this.values[key];
    if (v === undefined || v === '') return [];
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw invalidParam(this.name(key), `Invalid array: ${this.name(key)} must be an array of strings`);
    return v as string[];
  }

  /** Stripe metadata rules: at most 50 keys, keys ≤ 40 characters, values ≤ 500 characters. */
  metadata(key = 'metadata'): Record<string, string> {
    const v = this.values[key];
    if (v === undefined || v === '') return {};
    if (typeof v === 'string' || Array.isArray(v))
      throw invalidParam(this.name(key), `Invalid object: ${this.name(key)} must be a hash`);
    const entries = Object.entries(v);
    if (entries.length > 50)
      throw invalidParam(this.name(key), `Invalid ${this.name(key)}: at most 50 keys, got ${entries.length}`);
    const out: Record<string, string> = {};
    for (const [k, value] of entries) {
      const name = `${this.name(key)}[${k}]`;
      if (k.length > 40)
        throw invalidParam(name, `Metadata keys can have up to 40 characters, ${JSON.stringify(k)} has ${k.length}`);
      if (typeof value !== 'string') throw invalidParam(name, `Metadata values must be strings: ${name}`);
      if (value.length > 500)
        throw invalidParam(name, `Metadata values can have up to 500 characters, ${name} has ${value.length}`);
      if (value !== '') out[k] = value;
    }
    return out;
  }
}
