import { GasCost } from '../gas.js';
import { storageKey } from '../addresses.js';
import { CallFailure, type CallFrame } from '../types.js';
import { ReceiptStatus } from '../../codec/block.js';

/** Gas-charged access to the calling contract's own storage. */
export class ContractStorage {
  constructor(private readonly frame: CallFrame) {}

  get(key: Uint8Array): Uint8Array | null {
    const v = this.frame.state.get(storageKey(this.frame.self, key));
    this.frame.gas.charge(GasCost.storageRead + GasCost.storageReadByte * (v?.length ?? 0));
    return v;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.assertWritable();
    this.frame.gas.charge(GasCost.storageWrite + GasCost.storageWriteByte * (key.length + value.length));
    this.frame.state.set(storageKey(this.frame.self, key), value);
  }

  delete(key: Uint8Array): void {
    this.assertWritable();
    this.frame.gas.charge(GasCost.storageDelete);
    this.frame.state.delete(storageKey(this.frame.self, key));
  }

  private assertWritable(): void {
    if (this.frame.readOnly) throw new CallFailure(ReceiptStatus.BadCall, 'state modification in a read-only call');
  }
}
