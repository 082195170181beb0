import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf, ValidationOptions } from 'class-validator';

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${path}${m.slice(e.property.length)}` : `${path}: ${m}`,
    );
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/**
 * The field may be left out, but unlike class-validator's IsOptional a null is not waved through:
 * the field's other rules refuse it ("title must be a string") instead of null reaching the
 * database (a 500 on NOT NULL columns) or silently meaning "absent".
 */
export function IsOmittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined, options);
}

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** Dotted path of the first own prototype-pollution key in a parsed body or query, or null. */
function prototypeKeyPath(value: unknown, path = ''): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.includes(key)) return at;
    const nested = prototypeKeyPath(child, at);
    if (nested) return nested;
  }
  return null;
}

/**
 * Nest's pipe silently drops prototype-pollution keys and lets a top-level array or scalar body
 * through to per-index errors ("0: property 0 should not exist"); both are refused here with a
 * message saying what is wrong, like every other unknown field.
 */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    if (metadata.type === 'body' && value !== undefined && !isObject && this.toValidate(metadata)) {
      throw new BadRequestException('request body must be a JSON object');
    }
    return super.transform(value, metadata);
  }

  protected override stripProtoKeys(value: unknown): void {
    const path = prototypeKeyPath(value);
    if (path) throw new BadRequestException([`${path}: property ${path.split('.').at(-1)} should not exist`]);
  }
}

/** Rejects unknown and malformed fields; every message starts with the field's path. */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
  });
}
