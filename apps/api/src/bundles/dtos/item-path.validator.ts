import { ValidateBy, ValidationOptions } from 'class-validator';
import { itemPathProblem } from '../item-path';

/** class-validator decorator over {@link itemPathProblem}: the message says what is wrong with the path. */
export function IsSafeItemPath(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSafeItemPath',
      validator: {
        validate: (value: unknown) => itemPathProblem(value) === null,
        defaultMessage: (args) => `${args?.property} ${itemPathProblem(args?.value)}`,
      },
    },
    options,
  );
}
