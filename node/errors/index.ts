/**
 * The one error shape of the tree (after Lodestar's `LodestarError<{code, ...}>`): every
 * error a module raises on purpose is a LingdingError with
 *
 *   - `code`: a stable string from that module's code enum (an `as const` object beside
 *     the error class). Callers branch on it; the RPC and the CLI map it to their own
 *     codes in one place each (node/rpc/errors.ts `toRpcError`, tools/cli/output.ts
 *     `exitCodeOf`). Codes are API: never renumber or reuse one.
 *   - `details`: structured data about the fault (the field, the limit, the peer), for
 *     logs and JSON output; never parsed out of the message.
 *   - `message`: for humans, exactly as the module wrote it. Some messages are consensus
 *     bytes (execution errors end up in receipts), so this class never rewrites, prefixes
 *     or appends to them, and nothing here reads runtime (V8) text.
 *
 * `name` defaults to the class's name; subclasses also set it explicitly, so it survives
 * bundling and can be matched where `instanceof` cannot (errors from another realm).
 */
export class LingdingError<
  Code extends string = string,
  Details extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>,
> extends Error {
  readonly code: Code;
  readonly details: Details;

  constructor(code: Code, message: string, details?: Details, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details ?? ({} as Details);
  }

  /** For structured logs and `--json` output: name, code, message, details. */
  toJSON(): { name: string; code: Code; message: string; details: Details } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

export function isLingdingError(e: unknown): e is LingdingError {
  return e instanceof LingdingError;
}

/** The value type of an `as const` code object: `CodeOf<typeof TxRejectCode>`. */
export type CodeOf<T extends Readonly<Record<string, string>>> = T[keyof T];
