/** Documented exit codes (printed by `keyseed --help`). */
export const ExitCode = {
  Success: 0,
  Failure: 1,
  Usage: 2,
  InvalidInput: 3,
  NotFound: 4,
  Unauthorized: 5,
  NoLicense: 6,
  LicenseRevoked: 7,
  TooManyDevices: 8,
  ApiUnreachable: 9,
  CorruptData: 10,
  NotReleased: 11,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: printed as one line, no stack trace, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.Failure,
  ) {
    super(message);
  }
}
