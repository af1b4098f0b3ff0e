/**
 * The one error type of Gantry. Every failure a caller can see has a code from
 * this closed set; the HTTP status for each code is decided here and nowhere else.
 */
export const ERROR_STATUS = {
  invalid_input: 400,
  invalid_cursor: 400,
  unknown_gpu_type: 400,
  unknown_template: 400,
  invalid_env: 400,
  /** A Pod's env names a variable its template does not let users set (or the driver takes none). */
  env_not_allowed: 400,
  // A wrong current password when changing it: 400, not 401 (the caller is signed in).
  wrong_password: 400,
  // A wrong authenticator code when turning two-factor sign-in on or off (signed in).
  wrong_code: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  // The password was right; the user has two-factor sign-in and gave no code.
  two_factor_required: 401,
  invalid_two_factor_code: 401,
  invalid_api_key: 401,
  forbidden: 403,
  cross_site_request: 403,
  invite_email_mismatch: 403,
  // A team requires two-factor sign-in and the caller's user has not turned it on.
  two_factor_required_by_team: 403,
  read_only_key: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  email_taken: 409,
  already_team: 409,
  not_a_team: 409,
  enable_two_factor_first: 409,
  already_member: 409,
  owner_protected: 409,
  not_an_admin: 409,
  already_owner: 409,
  invite_already_accepted: 409,
  invalid_pod_transition: 409,
  pod_not_running: 409,
  pod_limit_reached: 409,
  api_key_limit_reached: 409,
  insufficient_balance: 402,
  spend_limit_exceeded: 409,
  invite_expired: 410,
  invite_revoked: 410,
  invite_used_up: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  pod_unreachable: 502,
  not_ready: 503,
  // Contention the retries did not get past: try again (with Retry-After).
  busy: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Data an authorization failure carries so the caller can audit the denied attempt. */
export interface DeniedAttempt {
  permission: string;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      retryAfterSeconds?: number;
      denied?: DeniedAttempt;
      fields?: unknown;
      /**
       * The offending input field, as a dotted path inside the part it came from (`email`,
       * `members.0.role`): sent as the error's `field` so a form can mark it.
       */
      field?: string;
      /** For `method_not_allowed`: the methods the path answers, sent as the `Allow` header. */
      allow?: readonly string[];
    } = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

/** Shorthand constructors for the errors every module raises. */
export const notFound = (what = 'Resource') => new AppError('not_found', `${what} not found`);
export const invalidInput = (message: string) => new AppError('invalid_input', message);
export const conflict = (code: ErrorCode, message: string) => new AppError(code, message);
