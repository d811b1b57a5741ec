import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../node/codec/canonical.js';
import { ConfigError } from '../../node/config/genesis.js';
import { UnsupportedSuiteError } from '../../node/crypto/index.js';
import { isLingdingError } from '../../node/errors/index.js';
import { KeystoreError, KeystoreErrorCode } from '../../node/crypto/keystore.js';
import { SystemConfigError, SystemConfigErrorCode } from '../../node/exec/system/system-config.js';
import { LedgerError, LedgerErrorCode } from '../../node/ledger/errors.js';
import { UNEXPECTED_ERROR_EXIT_CODE } from '../../node/main/unexpected-errors.js';
import { NotBuiltError, UnsupportedRuntimeError } from '../../node/package/index.js';
import { VmInternalError } from '../../node/vm/errors.js';
import { RpcClientError } from '../client/rpc-client.js';
import { EnvelopeError, EnvelopeErrorCode } from '../../node/crypto/envelope.js';
import { CliError, ExitCode, errorText, exitCodeOf, roleWord } from './output.js';

describe('CLI errors', () => {
  it('are LingdingErrors with their name and a code', () => {
    for (const e of [new CliError('bad flag'), new RpcClientError(-32010, 'refused', { reason: 'POOL_FULL' })]) {
      expect(isLingdingError(e)).toBe(true);
      expect(e.name).toBe(e.constructor.name);
      expect(typeof e.code).toBe('string');
    }
  });
});

describe('exitCodeOf: the one map to CLI exit codes', () => {
  it('user errors exit 2 with one line, bugs exit 1 with the stack', () => {
    for (const e of [
      new CliError('bad flag'),
      new ConfigError('bad'),
      new RpcClientError(-1, 'cannot reach'),
      new CodecError('bad'),
      new UnsupportedRuntimeError('Node.js v20 is not supported'),
      new UnsupportedSuiteError('sm'),
      new LedgerError('the ledger database at d is in use by another process', LedgerErrorCode.Locked, { dir: 'd' }),
      new KeystoreError('k.json already exists; refusing to overwrite a key file', KeystoreErrorCode.Exists),
      new SystemConfigError('tx_count_limit must be between 1 and 100000, got 0', SystemConfigErrorCode.OutOfRange, {
        key: 'tx_count_limit',
        value: '0',
      }),
      new NotBuiltError('dist/tools/cli/main.js'),
      new EnvelopeError(EnvelopeErrorCode.TooLarge, 'the record is 70000 bytes'),
    ]) {
      expect(exitCodeOf(e)).toBe(2);
      expect(errorText(e)).toBe(`error: ${e.message}\n`);
    }
    const bug = new TypeError('x is undefined');
    expect(exitCodeOf(bug)).toBe(1);
    expect(errorText(bug)).toContain('TypeError: x is undefined\n    at');
    expect(exitCodeOf(new VmInternalError('v8'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
    const commander = new CommanderError(1, 'commander.unknownOption', 'unknown option');
    expect(exitCodeOf(commander)).toBe(1);
    expect(errorText(commander)).toBe('');
  });
});

describe('ExitCode', () => {
  it("NodeCrashed is the node's exit code for an unexpected error", () => {
    expect(ExitCode.NodeCrashed).toBe(UNEXPECTED_ERROR_EXIT_CODE);
  });
});

describe('roleWord', () => {
  it("prints the glossary's words: a voting node is a validator, a regulator's node an observer (regulator)", () => {
    expect(roleWord({ role: 'sealer' })).toBe('validator');
    expect(roleWord({ role: 'observer', regulator: false })).toBe('observer');
    expect(roleWord({ role: 'observer', regulator: true })).toBe('observer (regulator)');
  });
});
