import { type CodeOf, LingdingError } from '../errors/index.js';

/** Why the regulator node's supervision refuses something (decisions 9-10). */
export const SupervisionErrorCode = {
  /** The rule file cannot be read. */
  RulesUnreadable: 'RULES_UNREADABLE',
  /** The rule file is not YAML (or JSON), or a rule breaks the rules language; the message names the line. */
  RulesInvalid: 'RULES_INVALID',
  /** This node holds no supervision keys: the regulator-only methods are not served. */
  NotSupervising: 'NOT_SUPERVISING',
} as const;
export type SupervisionErrorCodeValue = CodeOf<typeof SupervisionErrorCode>;

export class SupervisionError extends LingdingError<SupervisionErrorCodeValue> {
  constructor(code: SupervisionErrorCodeValue, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, message, details);
    this.name = 'SupervisionError';
  }
}
