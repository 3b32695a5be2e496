import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildAuditEvent, parseAuditEvent, type AuditEvent } from './audit-event';
import { ed25519Signer, ed25519Verifier, signCheckpoint } from './checkpoint';
import { SqliteLedger } from './sqlite-ledger';
import { verifyExport } from './log-verifier';

const origin = 'kopir.test/audit';
const keys = generateKeyPairSync('ed25519');
const signer = ed25519Signer(origin, keys.privateKey);
const verifiers = [ed25519Verifier(origin, keys.publicKey)];

function event(i: number): AuditEvent {
  return buildAuditEvent({
    eventId: `req-${i}`,
    requestId: `req-${i}`,
    time: new Date(Date.UTC(2025, 2, 1, 9, 30, i % 60)).toISOString(),
    kind: 'service-call',
    gateway: 'gw-1',
    client: i % 3 === 0 ? 'mia/police' : 'psc/front-office',
    service: 'mju/population/person-by-iin',
    purpose: 'driving-licence',
    subject: `9001013${String(i % 7).padStart(5, '0')}`,
    decision: i % 5 === 0 ? 'deny' : 'allow',
    reason: i % 5 === 0 ? 'access_denied' : 'rule:psc-population',
    status: i % 5 === 0 ? 403 : 200,
    errorCode: i % 5 === 0 ? 'access_denied' : null,
    latencyMs: i,
    requestHash: null,
    responseHash: null,
  });
}

/** A ledger of `n` events with a checkpoint every `every` events. */
function ledgerOf(n: number, every = 10): SqliteLedger {
  const ledger = SqliteLedger.open(':memory:');
  ledger.signCheckpoint(origin, signer);
  for (let i = 0; i < n; i += every) {
    ledger.append(Array.from({ length: Math.min(every, n - i) }, (_, j) => event(i + j)));
    ledger.signCheckpoint(origin, signer);
  }
  return ledger;
}

const lines = (ledger: SqliteLedger, options: { from?: number; to?: number; inclusion?: boolean } = {}): string[] => [
  ...ledger.export(origin, options),
];

describe('SqliteLedger (in memory) and the export verifier', () => {
  it('appends idempotently by event id and restores the same root from stored nodes', () => {
    const ledger = ledgerOf(25);
    expect(ledger.append([event(3), event(25), event(25)])).toEqual({ appended: 1, duplicates: 2, size: 26 });
    expect(ledger.eventById('req-25')?.index).toBe(25);
  });

  it('verifies a ledger written partly before version 2 (events without requestId) and partly after', () => {
    const ledger = SqliteLedger.open(':memory:');
    const { requestId, ...rest } = event(0);
    void requestId;
    const v1 = Array.from({ length: 5 }, (_, i) => parseAuditEvent({ ...rest, v: 1, eventId: `old-${i}` }));
    ledger.append(v1);
    ledger.signCheckpoint(origin, signer);
    ledger.append(Array.from({ length: 5 }, (_, i) => event(100 + i)));
    ledger.signCheckpoint(origin, signer);
    const exported = lines(ledger, { inclusion: true });
    expect(verifyExport(exported, { verifiers })).toMatchObject({ ok: true, events: 10 });
    const versions = exported
      .map((l) => JSON.parse(l) as { event?: { v: number } })
      .flatMap((l) => (l.event ? [l.event.v] : []));
    expect(versions).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
  });

  it('verifies a whole export, with and without inclusion proofs, and a range of it', () => {
    const ledger = ledgerOf(57);
    const full = verifyExport(lines(ledger), { verifiers });
    expect(full).toMatchObject({ ok: true, from: 0, to: 57, events: 57, checkpoints: 7 });
    expect(verifyExport(lines(ledger, { inclusion: true }), { verifiers })).toMatchObject({
      ok: true,
      inclusionProofs: 57,
    });
    expect(verifyExport(lines(ledger, { from: 23, inclusion: true }), { verifiers })).toMatchObject({
      ok: true,
      from: 23,
      events: 34,
    });
    expect(verifyExport(lines(ledger, { from: 23, to: 40, inclusion: true }), { verifiers })).toMatchObject({
      ok: true,
      from: 23,
      to: 40,
      events: 17,
    });
    expect(() => lines(ledger, { to: 41 })).toThrow(expect.objectContaining({ code: 'checkpoint_invalid' }));
  });

  it('searches by indexed fields with a cursor, and counts calls and denials per minute', () => {
    const ledger = ledgerOf(40);
    const first = ledger.search({ client: 'mia/police', limit: 5 });
    expect(first.entries.map((e) => e.index)).toEqual([0, 3, 6, 9, 12]);
    const second = ledger.search({ client: 'mia/police', limit: 5, after: first.next });
    expect(second.entries[0]?.index).toBe(15);
    expect(ledger.search({ decision: 'deny', subject: '900101300000' }).entries.map((e) => e.index)).toEqual([0, 35]);
    const stats = ledger.statistics('2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z');
    expect(stats.reduce((sum, s) => sum + s.calls, 0)).toBe(40);
    expect(stats.reduce((sum, s) => sum + s.denials, 0)).toBe(8);
  });

  it("finds a call by its caller's request id, also in a ledger file written before the column existed", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopir-ledger-migrate-'));
    try {
      const path = join(dir, 'ledger.db');
      const ledger = SqliteLedger.open(path);
      const { requestId, ...v1 } = event(0);
      void requestId;
      ledger.append([parseAuditEvent({ ...v1, v: 1, eventId: 'old-1' }), event(1), event(2)]);
      expect(ledger.search({ requestId: 'req-2' }).entries.map((e) => e.index)).toEqual([2]);
      const root = ledger.root();
      ledger.close();
      // The file as an earlier release left it: no request_id column.
      const raw = new Database(path);
      raw.exec('DROP INDEX events_request_id; ALTER TABLE events DROP COLUMN request_id');
      raw.close();
      const reopened = SqliteLedger.open(path);
      try {
        expect(reopened.search({ requestId: 'req-1' }).entries.map((e) => e.event.eventId)).toEqual(['req-1']);
        expect(reopened.search({ requestId: 'old-1' }).entries).toEqual([]);
        expect(reopened.root()).toEqual(root);
        reopened.append([event(3)]);
        expect(reopened.search({ requestId: 'req-3' }).entries.map((e) => e.index)).toEqual([3]);
      } finally {
        reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const tamper = (all: string[], index: number, change: (line: Record<string, unknown>) => unknown): string[] =>
    all.map((line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return parsed.type === 'event' && parsed.index === index ? `${JSON.stringify(change(parsed))}\n` : line;
    });

  it('names the first bad index of an altered event (its stored hash no longer matches)', () => {
    const bad = tamper(lines(ledgerOf(30)), 17, (l) => ({ ...l, event: { ...(l.event as object), purpose: 'x' } }));
    expect(verifyExport(bad, { verifiers })).toMatchObject({ ok: false, firstBadIndex: 17, code: 'log_inconsistent' });
  });

  it('pins an altered event whose stored hash was rewritten too by its inclusion proof', () => {
    const all = lines(ledgerOf(30), { inclusion: true });
    const bad = tamper(all, 17, (l) => {
      const changed = { ...(l.event as AuditEvent), purpose: 'x' };
      return { ...l, event: changed, leafHash: undefined };
    });
    expect(verifyExport(bad, { verifiers })).toMatchObject({ ok: false, firstBadIndex: 17, code: 'proof_invalid' });
  });

  it('catches a deleted, an inserted and a reordered event', () => {
    const all = lines(ledgerOf(30));
    const deleted = all.filter((l) => !l.includes('"index":12,'));
    expect(verifyExport(deleted, { verifiers })).toMatchObject({ ok: false, firstBadIndex: 12 });
    const at = all.findIndex((l) => l.includes('"index":12,'));
    const inserted = [...all.slice(0, at), all[at] as string, ...all.slice(at)];
    expect(verifyExport(inserted, { verifiers })).toMatchObject({ ok: false, firstBadIndex: 13 });
    const swapped = [...all];
    [swapped[at], swapped[at + 1]] = [all[at + 1] as string, all[at] as string];
    expect(verifyExport(swapped, { verifiers })).toMatchObject({ ok: false, firstBadIndex: 12 });
  });

  it('refuses a forged checkpoint and a checkpoint signed by another key', () => {
    const all = lines(ledgerOf(30));
    const other = ed25519Signer(origin, generateKeyPairSync('ed25519').privateKey);
    const forged = all.map((l) => {
      const parsed = JSON.parse(l) as { type: string; note?: string };
      if (parsed.type !== 'checkpoint' || !parsed.note?.includes('\n20\n')) return l;
      const text = parsed.note.slice(0, parsed.note.indexOf('\n\n') + 1);
      const [o, size, root] = text.split('\n');
      const note = signCheckpoint(
        { origin: o as string, size: Number(size), rootHash: Buffer.from(root as string, 'base64'), extensions: [] },
        other,
      );
      return `${JSON.stringify({ ...parsed, note })}\n`;
    });
    expect(verifyExport(forged, { verifiers })).toMatchObject({ ok: false, code: 'signature_invalid' });
  });

  it('detects a log rolled back behind a checkpoint verified before, and one forked after it', () => {
    const ledger = ledgerOf(30);
    const trusted = (ledger.latestCheckpoint() as { note: string }).note;
    const older = ledgerOf(20);
    expect(verifyExport(lines(older), { verifiers, trusted })).toMatchObject({
      ok: false,
      code: 'log_inconsistent',
    });
    // A fork: the same first 20 events, then different ones, re-signed with the real key.
    const fork = ledgerOf(20);
    fork.append(Array.from({ length: 15 }, (_, i) => ({ ...event(100 + i) })));
    fork.signCheckpoint(origin, signer);
    expect(verifyExport(lines(fork), { verifiers, trusted })).toMatchObject({ ok: false, code: 'log_inconsistent' });
    ledger.append([event(30)]);
    ledger.signCheckpoint(origin, signer);
    expect(verifyExport(lines(ledger), { verifiers, trusted })).toMatchObject({ ok: true, to: 31 });
  });
});
