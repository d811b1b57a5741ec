/**
 * Fuzzing the decoder of private-record envelopes, which the pool runs on any sender's
 * type-3 transaction and a regulator node on every committed one. It may refuse (with a
 * CodecError, nothing else) or accept; what it accepts re-encodes to exactly the bytes given
 * (one byte form per envelope, so a transaction's hash cannot be varied) and stays within the
 * format's bounds. A mutated envelope that still decodes never opens to a different record.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../node/codec/canonical.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  type Envelope,
  EnvelopeError,
  MAX_CIPHERTEXT_BYTES,
  MAX_RECIPIENTS,
  openRecord,
  sealRecord,
} from '../../node/codec/envelope.js';
import { generateSupervisionKey } from '../../node/crypto/envelope.js';
import { fuzzParams, hostileBytes, mutated } from '../helpers/fuzz.js';

const keys = Array.from({ length: 3 }, () => generateSupervisionKey());

const sealedArb = fc
  .record({
    pilotId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    record: fc.uint8Array({ maxLength: 64 }),
    recipients: fc.subarray(keys, { minLength: 1 }),
  })
  .map(({ pilotId, record, recipients }) => ({
    record,
    bytes: encodeEnvelope(sealRecord({ pilotId, record, recipients: recipients.map((k) => k.publicKey) }).envelope),
  }));

function decodeOrRefuse(bytes: Uint8Array): Envelope | null {
  try {
    return decodeEnvelope(bytes);
  } catch (e) {
    if (!(e instanceof CodecError))
      throw new Error(`decodeEnvelope threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return null;
  }
}

describe('fuzz: private-record envelopes', () => {
  it('decodeEnvelope refuses with a CodecError or accepts exactly one byte form within the bounds', () => {
    fc.assert(
      fc.property(hostileBytes(sealedArb.map((s) => s.bytes)), (bytes) => {
        const envelope = decodeOrRefuse(bytes);
        if (!envelope) return;
        expect(Buffer.from(encodeEnvelope(envelope)).equals(Buffer.from(bytes))).toBe(true);
        expect(envelope.recipients.length).toBeGreaterThan(0);
        expect(envelope.recipients.length).toBeLessThanOrEqual(MAX_RECIPIENTS);
        expect(envelope.ciphertext.length).toBeLessThanOrEqual(MAX_CIPHERTEXT_BYTES);
      }),
      fuzzParams(600),
    );
  });

  it('a mutated envelope that decodes opens to the sealed record or is refused with an EnvelopeError', () => {
    const pairs = sealedArb.chain((s) => mutated(fc.constant(s.bytes)).map((bad) => [s.record, bad] as const));
    fc.assert(
      fc.property(pairs, ([record, bad]) => {
        const envelope = decodeOrRefuse(bad);
        if (!envelope) return;
        for (const key of keys) {
          try {
            expect(Buffer.from(openRecord(envelope, key.secretKey).record).equals(Buffer.from(record))).toBe(true);
          } catch (e) {
            if (!(e instanceof EnvelopeError)) throw e;
          }
        }
      }),
      fuzzParams(200),
    );
  });
});
