import { P2PError } from './errors.js';

/**
 * One-way channels: each is a libp2p protocol carried on one long-lived stream per peer
 * and direction. `consensus` carries PBFT messages, `tx` carries transaction batches.
 */
export const CHANNELS = ['consensus', 'tx'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * Largest payload (bytes, excluding the length prefix) accepted per protocol. A frame
 * whose length prefix exceeds the limit resets the stream before its body is read.
 */
export interface MessageLimits {
  /** One consensus message; a PBFT pre-prepare carries a whole proposed block. */
  consensus: number;
  /** One transaction batch. */
  tx: number;
  /** One block-sync request (small: a method's arguments). */
  request: number;
  /** One block-sync response (a batch of blocks with their certificates). */
  response: number;
}

export const DEFAULT_LIMITS: Readonly<MessageLimits> = {
  consensus: 8 * 1024 * 1024,
  tx: 4 * 1024 * 1024,
  request: 64 * 1024,
  response: 32 * 1024 * 1024,
};

const METHOD_RE = /^[a-z][a-z0-9_]{0,63}$/;

/** Lodestar-style protocol id: `<prefix>/<method>/<version>/<encoding>`. */
export function protocolId(prefix: string, method: string): string {
  return `${prefix}/${method}/1/msgpack`;
}

/**
 * Checks a request method name. Method names become protocol ids, so they are kept to
 * lowercase identifiers and may not collide with a one-way channel.
 */
export function assertRequestMethod(method: string): void {
  if (!METHOD_RE.test(method)) {
    throw new P2PError('INVALID_OPTIONS', `request method ${JSON.stringify(method)} must match ${METHOD_RE}`);
  }
  if ((CHANNELS as readonly string[]).includes(method)) {
    throw new P2PError('INVALID_OPTIONS', `request method ${JSON.stringify(method)} is reserved for a one-way channel`);
  }
}

const PREFIX_RE = /^(\/[A-Za-z0-9._-]+)+$/;

export function assertProtocolPrefix(prefix: string): void {
  if (!PREFIX_RE.test(prefix)) {
    throw new P2PError(
      'INVALID_OPTIONS',
      `protocol prefix ${JSON.stringify(prefix)} must look like /lingding/<chainId>`,
    );
  }
}

export function resolveLimits(overrides: Partial<MessageLimits> | undefined): MessageLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new P2PError('INVALID_OPTIONS', `limits.${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return limits;
}
