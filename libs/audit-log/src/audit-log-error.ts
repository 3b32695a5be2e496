/**
 * Why a proof, checkpoint, event or export was refused. Stable codes (callers and the CLI `switch` on them), never
 * retriable: the same bytes fail the same way every time.
 */
export type AuditLogErrorCode =
  | 'proof_invalid'
  | 'checkpoint_invalid'
  | 'signature_invalid'
  | 'event_invalid'
  | 'export_invalid'
  | 'log_inconsistent';

export class AuditLogError extends Error {
  override readonly name = 'AuditLogError';
  readonly retriable = false;

  constructor(
    readonly code: AuditLogErrorCode,
    message: string,
    /** The first leaf index found wrong, when the failure can be pinned to one. */
    readonly index?: number,
  ) {
    super(message);
  }
}
