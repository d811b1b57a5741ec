import { describe, expect, it } from 'vitest';
import { CodecError, CodecErrorCode, decodeCanonical } from '../codec/canonical.js';
import { fromHex, HexError, HexErrorCode } from '../codec/hex.js';
import { ConfigError, ConfigErrorCode, readJsonFile } from '../config/genesis.js';
import { OutOfGasError, RevertError } from '../exec/index.js';
import { RpcError, RpcErrorCode, toRpcError } from '../rpc/errors.js';
import { TxRejectCode, TxRejectedError } from '../txpool/errors.js';
import { ContractRejectedError, VmInternalError } from '../vm/errors.js';
import { isLingdingError, LingdingError } from './index.js';

describe('LingdingError', () => {
  it('carries a code, details and the message as given', () => {
    const e = new LingdingError('SOME_CODE', 'what went wrong', { field: 'x' });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('SOME_CODE');
    expect(e.details).toEqual({ field: 'x' });
    expect(e.message).toBe('what went wrong');
    expect(e.name).toBe('LingdingError');
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: 'LingdingError',
      code: 'SOME_CODE',
      message: 'what went wrong',
      details: { field: 'x' },
    });
  });

  it('every module error is one, with its name and a code', () => {
    const errors: LingdingError[] = [
      new TxRejectedError(TxRejectCode.PoolFull, 'pool is full'),
      new ConfigError('bad'),
      new CodecError('bad'),
      new RpcError(RpcErrorCode.NotFound, 'no such thing'),
      new ContractRejectedError('FLOAT', 'f32 found'),
      new VmInternalError('oops'),
      new OutOfGasError(10, 3),
      new RevertError('no'),
    ];
    for (const e of errors) {
      expect(isLingdingError(e)).toBe(true);
      expect(e.name).toBe(e.constructor.name);
      expect(typeof e.code).toBe('string');
    }
  });

  it('keeps the documented codes and messages of the pool and the VM', () => {
    expect(new TxRejectedError(TxRejectCode.SenderQuota, 'm').code).toBe('SENDER_QUOTA_EXCEEDED');
    const r = new ContractRejectedError('START_FUNCTION', 'has a start section');
    expect(r.code).toBe('START_FUNCTION');
    expect(r.message).toBe('contract rejected (START_FUNCTION): has a start section');
    expect(r.details).toEqual({ reason: 'has a start section' });
    // Messages become receipt bytes: the base class must not touch them.
    expect(new OutOfGasError(10, 3).message).toBe('out of gas: needed 10, 3 left');
    expect(new OutOfGasError(10, 3).details).toEqual({ needed: 10, left: 3 });
  });

  it('modules give specific codes', () => {
    expect(() => fromHex('0x123', 'nonce')).toThrow(
      expect.objectContaining({ code: HexErrorCode.OddLength, details: { field: 'nonce' } }),
    );
    expect(() => decodeCanonical(new Uint8Array([0xc1]))).toThrow(CodecError);
    expect(() => decodeCanonical(new Uint8Array([0xcc, 0x05]))).toThrow(
      expect.objectContaining({ code: CodecErrorCode.NotCanonical }),
    );
    expect(() => readJsonFile('/nonexistent/lingding.json')).toThrow(
      expect.objectContaining({ name: 'ConfigError', code: ConfigErrorCode.Unreadable }),
    );
  });
});

describe('toRpcError: the one map to JSON-RPC errors', () => {
  it('maps pool refusals, bad hex and RPC errors; nothing else', () => {
    const tx = toRpcError(new TxRejectedError(TxRejectCode.NonceReused, 'nonce 0x01 was already used'));
    expect(tx).toMatchObject({
      rpcCode: -32010,
      message: 'nonce 0x01 was already used',
      data: { reason: 'NONCE_REUSED' },
    });
    expect(tx?.code).toBe('TX_REJECTED');
    let hex: unknown;
    try {
      fromHex('zz', 'to');
    } catch (e) {
      hex = e;
    }
    expect(hex).toBeInstanceOf(HexError);
    expect(toRpcError(hex)).toMatchObject({ rpcCode: RpcErrorCode.InvalidParams, message: 'to is not valid hex' });
    const own = new RpcError(RpcErrorCode.Timeout, 't');
    expect(toRpcError(own)).toBe(own);
    expect(toRpcError(new Error('boom'))).toBeNull();
    expect(toRpcError(new CodecError('bad'))).toBeNull();
  });
});
