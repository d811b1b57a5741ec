import { encodeEnvelope } from '../codec/envelope.js';
import { type Transaction, TxType } from '../codec/tx.js';
import { LingdingError } from '../errors/index.js';
import { ExecErrorCode } from './errors.js';

/**
 * Gas is a resource limit, not a fee: Lingding has no native coin. Every transaction
 * carries a gasLimit (capped by the `tx_gas_limit` system config) and every block is
 * capped by `block_gas_limit`. The costs below are the schedule for built-in contracts
 * and the intrinsic cost of a transaction; the WebAssembly VM adds its own instruction
 * schedule on top.
 */
export const GasCost = {
  /** Every transaction pays this before anything runs. */
  txBase: 21_000,
  /** Per byte of transaction input, and of a private record's envelope (its encoded bytes). */
  txInputByte: 16,
  /** Deploying code: per byte of code stored. */
  codeByte: 200,
  storageRead: 800,
  storageReadByte: 3,
  storageWrite: 20_000,
  storageWriteByte: 50,
  storageDelete: 5_000,
  logBase: 375,
  logTopic: 375,
  logByte: 8,
} as const;

export class OutOfGasError extends LingdingError<typeof ExecErrorCode.OutOfGas, { needed: number; left: number }> {
  constructor(
    readonly needed: number,
    readonly left: number,
  ) {
    super(ExecErrorCode.OutOfGas, `out of gas: needed ${needed}, ${left} left`, { needed, left });
    this.name = 'OutOfGasError';
  }
}

export class GasMeter {
  private usedGas = 0;
  constructor(readonly limit: number) {}

  get used(): number {
    return this.usedGas;
  }

  get left(): number {
    return this.limit - this.usedGas;
  }

  /** Uses up all the gas and throws OutOfGasError. */
  exhaust(): never {
    const left = this.left;
    this.usedGas = this.limit;
    throw new OutOfGasError(left + 1, left);
  }

  /** Charges `amount` or throws OutOfGasError (and then the meter reads as exhausted). */
  charge(amount: number): void {
    if (amount > this.left) {
      const left = this.left;
      this.usedGas = this.limit;
      throw new OutOfGasError(amount, left);
    }
    this.usedGas += amount;
  }
}

export function intrinsicGas(inputLength: number): number {
  return GasCost.txBase + GasCost.txInputByte * inputLength;
}

/**
 * What a transaction pays before anything runs, asked by the pool (gas too low) and the
 * executor alike: a type-3 transaction's envelope is charged per encoded byte as input is,
 * since it is stored in the block as input is (up to 64 KiB of ciphertext must not ride free).
 */
export function txIntrinsicGas(tx: Transaction): number {
  const envelopeBytes = tx.type === TxType.Private ? encodeEnvelope(tx.envelope).length : 0;
  return intrinsicGas(tx.input.length + envelopeBytes);
}
