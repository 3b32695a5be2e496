import { existsSync, readFileSync } from 'node:fs';
import { KopirError } from '@kopir/contracts';
import type { CrlInfo } from '../ca/read-crl';
import { writeAtomic } from '../lib/write-atomic';

/**
 * The newest CRL accepted from one CA: a later CRL of that CA must not go below it. CRLs are public and stay
 * verifiable until their nextUpdate, so without this floor copying an older crl.pem back would un-revoke every
 * certificate revoked since (RFC 5280 §5.2.3: a CA's cRLNumbers only increase).
 */
export interface CrlMark {
  readonly issuer: string;
  /** Decimal cRLNumber, absent when the CRL had none. */
  readonly crlNumber?: string;
  /** ISO 8601. */
  readonly thisUpdate: string;
  /** SHA-256 (hex) of the CRL's DER. */
  readonly sha256: string;
}

/** Marks by CA key ({@link CrlInfo.issuerKey}). */
export type CrlFloor = ReadonlyMap<string, CrlMark>;

interface CrlStateFile {
  readonly version: 1;
  readonly crls: Record<string, CrlMark>;
}

/**
 * Why accepting `crls` would roll revocation back, or undefined when it does not. Refused: two CRLs of one CA in
 * the file (TLS would use either); a CRL with a lower cRLNumber than the one accepted from its CA, or the same number
 * with other content (a CA never issues two CRLs under one number); a CRL without cRLNumber where one was accepted
 * with one, or (both without) an earlier thisUpdate; and dropping the CRL of a CA in `required` (the CAs whose CRLs
 * are in force: without its CRL, open connections would be re-checked against no revocations at all).
 */
export function crlRollback(
  floor: CrlFloor,
  crls: readonly CrlInfo[],
  required: Iterable<string> = [],
): string | undefined {
  const seen = new Set<string>();
  for (const crl of crls) {
    if (seen.has(crl.issuerKey)) return `two CRLs of ${crl.issuer} in one file (one CRL per CA)`;
    seen.add(crl.issuerKey);
    const mark = floor.get(crl.issuerKey);
    if (!mark) continue;
    const older = `an older CRL of ${crl.issuer} than the one already accepted`;
    if (mark.crlNumber !== undefined) {
      if (crl.crlNumber === undefined) return `${older} (no cRLNumber, accepted ${mark.crlNumber})`;
      const accepted = BigInt(mark.crlNumber);
      if (crl.crlNumber < accepted) return `${older} (cRLNumber ${crl.crlNumber} < ${accepted})`;
      if (crl.crlNumber === accepted && crl.digest !== mark.sha256) {
        return `a different CRL of ${crl.issuer} under the cRLNumber already accepted (${accepted})`;
      }
    } else {
      const accepted = Date.parse(mark.thisUpdate);
      if (crl.thisUpdate.getTime() < accepted) return `${older} (thisUpdate ${crl.thisUpdate.toISOString()})`;
      if (crl.thisUpdate.getTime() === accepted && crl.digest !== mark.sha256) {
        return `a different CRL of ${crl.issuer} with the thisUpdate already accepted (${mark.thisUpdate})`;
      }
    }
  }
  for (const key of required) {
    if (!seen.has(key)) return `no CRL of ${floor.get(key)?.issuer ?? 'a CA in force'}, which the CRL in force has`;
  }
  return undefined;
}

/** `floor` with the marks of `crls` (which passed {@link crlRollback}). */
export function raiseCrlFloor(floor: CrlFloor, crls: readonly CrlInfo[]): Map<string, CrlMark> {
  const next = new Map(floor);
  for (const crl of crls) {
    next.set(crl.issuerKey, {
      issuer: crl.issuer,
      ...(crl.crlNumber !== undefined ? { crlNumber: crl.crlNumber.toString() } : {}),
      thisUpdate: crl.thisUpdate.toISOString(),
      sha256: crl.digest,
    });
  }
  return next;
}

/**
 * Reads the floor a previous run saved (none when the file does not exist yet).
 *
 * @throws KopirError `config_invalid` for a file that is not a CRL state file: forgetting the floor would silently
 *   re-open the rollback it exists to close.
 */
export function readCrlFloor(file: string): Map<string, CrlMark> {
  if (!existsSync(file)) return new Map();
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CrlStateFile>;
    if (parsed.version !== 1 || typeof parsed.crls !== 'object' || parsed.crls === null)
      throw new Error('not version 1');
    const floor = new Map<string, CrlMark>();
    for (const [key, mark] of Object.entries(parsed.crls)) {
      const valid =
        typeof mark.issuer === 'string' &&
        typeof mark.thisUpdate === 'string' &&
        !Number.isNaN(Date.parse(mark.thisUpdate)) &&
        typeof mark.sha256 === 'string' &&
        (mark.crlNumber === undefined || /^\d+$/.test(mark.crlNumber));
      if (!valid) throw new Error(`bad entry ${key}`);
      floor.set(key, mark);
    }
    return floor;
  } catch (error) {
    throw new KopirError('config_invalid', `CRL state file ${file} is unreadable: ${(error as Error).message}`);
  }
}

/** Saves the floor atomically (0644: it holds only public CRL facts). */
export function writeCrlFloor(file: string, floor: CrlFloor): void {
  const state: CrlStateFile = { version: 1, crls: Object.fromEntries(floor) };
  writeAtomic(file, `${JSON.stringify(state, null, 2)}\n`, 0o644);
}
