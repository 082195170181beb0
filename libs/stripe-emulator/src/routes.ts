import type { ParamObject, Params } from './form-params';
import type { RequestContext } from './payment-flows';

export interface RouteContext {
  params: Params;
  raw: ParamObject;
  /** Path captures, e.g. the object id. */
  path: string[];
  request: RequestContext;
  expand: string[];
}

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(ctx: RouteContext): unknown;
}

/** Stripe's list envelope with `limit` / `starting_after` / `ending_before` over newest-first items. */
export function listObject<T extends { id: string }>(
  url: string,
  newestFirst: T[],
  params: Params,
): {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
} {
  const limit = params.integer('limit', { min: 1, max: 100 }) ?? 10;
  const after = params.string('starting_after');
  const before = params.string('ending_before');
  let items = newestFirst;
  if (after) items = items.slice(items.findIndex((i) => i.id === after) + 1);
  if (before) {
    const idx = items.findIndex((i) => i.id === before);
    items = idx < 0 ? [] : items.slice(Math.max(0, idx - limit), idx);
  }
  return { object: 'list', data: items.slice(0, limit), has_more: items.length > limit, url };
}

/** Stripe's `created` list filter: `created=<ts>` or `created[gt|gte|lt|lte]=<ts>`. */
export function createdFilter(params: Params): (item: { created: number }) => boolean {
  if (params.isHash('created')) {
    const range = params.object('created') as Params;
    range.rejectUnknown(['gt', 'gte', 'lt', 'lte']);
    const [gt, gte, lt, lte] = ['gt', 'gte', 'lt', 'lte'].map((k) => range.integer(k));
    return (i) =>
      (gt === undefined || i.created > gt) &&
      (gte === undefined || i.created >= gte) &&
      (lt === undefined || i.created < lt) &&
      (lte === undefined || i.created <= lte);
  }
  const at = params.integer('created');
  return (i) => at === undefined || i.created === at;
}
