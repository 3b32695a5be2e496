export { AuditLogError, type AuditLogErrorCode } from './audit-log-error';
export { canonicalJson } from './canonical-json';
export {
  AUDIT_EVENT_VERSION,
  buildAuditEvent,
  canonicalEvent,
  encodeLeaf,
  eventLeafHash,
  parseAuditEvent,
  sha256Hex,
  type AuditBodyMode,
  type AuditDecision,
  type AuditEvent,
  type AuditEventInput,
  type AuditEventKind,
} from './audit-event';
export {
  EMPTY_ROOT,
  HASH_SIZE,
  consistencyProof,
  hashChildren,
  hashLeaf,
  hashLeafText,
  inclusionProof,
  rangeHash,
  rootAt,
  verifyConsistency,
  verifyInclusion,
  type NodeSource,
} from './merkle';
export { Frontier, MemoryTree, type TreeNode } from './compact-tree';
export {
  checkpointText,
  ed25519KeyId,
  ed25519Signer,
  ed25519Verifier,
  formatNote,
  openCheckpoint,
  openNote,
  parseCheckpointText,
  parseNote,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKey,
  type Checkpoint,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
} from './checkpoint';
export {
  EXPORT_FORMAT,
  exportLines,
  type ExportCheckpoint,
  type ExportEvent,
  type ExportHeader,
  type ExportLine,
  type ExportSource,
} from './export-format';
export {
  LogVerifier,
  hashEventLine,
  verifyExport,
  verifyExportStream,
  type HashedEvent,
  type VerifyOptions,
  type VerifyReport,
} from './log-verifier';
export { verifyExportParallel, type HashedBatch, type ParallelOptions } from './parallel-verify';
export {
  SqliteLedger,
  type AppendResult,
  type IndexMismatch,
  type LedgerEntry,
  type LedgerPage,
  type LedgerQuery,
  type MinuteStatistics,
  type StoredCheckpoint,
} from './sqlite-ledger';
