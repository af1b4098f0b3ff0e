/**
 * The exit codes of every `gantry` command, user (HTTP) and operator (database) alike: one
 * table, each code with one meaning. README.md lists them; scripts may rely on them.
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Anything else that went wrong (a server error, the server unreachable). */
  failure: 1,
  /** Bad arguments or options, a bad setting, no server configured (HTTP 400). */
  usage: 2,
  /** Not signed in: no valid API key (HTTP 401). */
  auth: 3,
  /** Signed in but not allowed (HTTP 403). */
  forbidden: 4,
  /** No such account, user, key, Pod, … (HTTP 404). */
  notFound: 5,
  /** The change does not apply in the current state (HTTP 409, 410). */
  conflict: 6,
  /** `gantry audit verify` found a broken hash chain. */
  brokenChain: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
