import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { KopirError } from '@kopir/contracts';
import { readCrls, splitCrls, type CrlState } from '../ca/read-crl';
import { ClientCertificateInvalidError, KeyMaterialInvalidError } from '../errors';
import { identityFromPeerCertificate, type PeerIdentity } from '../identity/identity-from-peer-certificate';
import { crlRollback, raiseCrlFloor, readCrlFloor, writeCrlFloor, type CrlFloor } from './crl-floor';

export interface TrustStoreOptions {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly crl: string;
  readonly minVersion: 'TLSv1.3' | 'TLSv1.2';
  readonly logger: { log(message: string): void; warn(message: string): void };
  /**
   * Where to keep, across restarts, the newest CRL accepted from each CA (its cRLNumber, thisUpdate and digest), so
   * that an older CRL put back while the service was down is refused at start too. Read at start, rewritten
   * atomically after every CRL accepted. Without it the floor starts from the CRL found at start.
   */
  readonly crlStateFile?: string;
}

/**
 * How long a TLS session ticket can resume a session: five minutes, Node's default made explicit. Longer saves more
 * handshakes for clients that reconnect rarely; it never extends what a certificate may do, because identity,
 * expiry and revocation are checked per request and a CRL change voids every ticket.
 */
export const SESSION_TICKET_LIFETIME_SECONDS = 300;

interface CachedIdentity {
  readonly identity: PeerIdentity;
  readonly generation: number;
}

/**
 * A mutual-TLS server's trust (the gateway's, the audit service's): its certificate, the intranet CA chain, and the
 * CRL. The TLS layer refuses unknown-CA, expired and revoked client certificates during the handshake; this class
 * also answers, per request, which system a connection belongs to, re-checking a connection's certificate whenever
 * a new CRL arrives, so that a certificate revoked while its keep-alive connection stays open is refused on that
 * connection's next request.
 */
export class TrustStore {
  private crlPem: string;
  private revoked: ReadonlySet<string> = new Set();
  private nextUpdate: Date | undefined;
  /** {@link nextUpdate} in ms (Infinity without one): one comparison per request in {@link identify}. */
  private crlExpiresAt = Number.POSITIVE_INFINITY;
  private generation = 0;
  /** The newest CRL accepted from each CA: a reload must not go below it (see crl-floor.ts). */
  private floor: CrlFloor = new Map();
  /** The CAs (by key) whose CRLs are in force: a reload must keep a CRL for each. */
  private inForce: readonly string[] = [];
  private readonly anchors: X509Certificate[];
  private readonly intermediates: X509Certificate[];
  private readonly identities = new WeakMap<TLSSocket, CachedIdentity>();
  /**
   * Verified identities by certificate fingerprint, so that a system's new connections do not re-verify the same
   * certificate chain in JavaScript (the TLS layer has already verified it against the CA and the CRL). Entries are
   * valid for one CRL generation and only until the certificate expires.
   */
  private readonly byFingerprint = new Map<string, CachedIdentity>();
  private onReload: ((options: SecureContextOptions) => void) | undefined;

  private constructor(private readonly options: TrustStoreOptions) {
    const chain = splitPem(readFileSync(options.ca, 'utf8')).map((pem) => new X509Certificate(pem));
    this.anchors = chain.filter((c) => c.subject === c.issuer);
    this.intermediates = chain.filter((c) => c.subject !== c.issuer);
    if (this.anchors.length === 0) throw new KopirError('config_invalid', `${options.ca} holds no root certificate`);
    this.crlPem = readFileSync(options.crl, 'utf8');
  }

  static async open(options: TrustStoreOptions): Promise<TrustStore> {
    const store = new TrustStore(options);
    const state = await readCrls(store.crlPem, store.issuers());
    if (options.crlStateFile !== undefined) store.floor = readCrlFloor(options.crlStateFile);
    const rollback = crlRollback(store.floor, state.crls);
    if (rollback !== undefined) {
      throw new KeyMaterialInvalidError(
        `CRL ${options.crl} refused: ${rollback}. Publish the current CRL there` +
          (options.crlStateFile ? ` (the newest accepted are recorded in ${options.crlStateFile})` : ''),
      );
    }
    store.accept(store.crlPem, state);
    return store;
  }

  /**
   * Options for https.createServer / setSecureContext: client certificate required and verified, and TLS session
   * resumption on (RFC 8446 §2.2: a returning client skips the certificate exchange and its signatures).
   *
   * Resumption must not let a certificate in that a full handshake would refuse. Each call makes new session ticket
   * keys, and the server (the gateway, the audit service) calls it at start and on every CRL change, so every ticket issued before a revocation stops
   * decrypting at once: the client falls back to a full handshake, where the new CRL is checked. A certificate that
   * expires while its ticket is still valid is refused on its next request by {@link identify}, which checks validity
   * and revocation per request whatever the handshake was. Tickets live {@link SESSION_TICKET_LIFETIME_SECONDS} and
   * are per gateway instance (their keys never leave the process).
   */
  secureContextOptions(): SecureContextOptions & { requestCert: true; rejectUnauthorized: true } {
    return {
      cert: readFileSync(this.options.cert),
      key: readFileSync(this.options.key),
      ca: readFileSync(this.options.ca),
      // Node reads only the first CRL of a PEM string: pass one string per CRL (root and issuing CA).
      crl: splitCrls(this.crlPem),
      minVersion: this.options.minVersion,
      // 48 bytes: the ticket name, HMAC and AES keys Node expects (tls.createSecureContext `ticketKeys`).
      ticketKeys: randomBytes(48),
      sessionTimeout: SESSION_TICKET_LIFETIME_SECONDS,
      requestCert: true,
      rejectUnauthorized: true,
    };
  }

  /** Polls the CRL file; a valid new CRL replaces the old one for new handshakes and for open connections. */
  watch(onReload: (options: SecureContextOptions) => void, intervalMs = 1000): void {
    this.onReload = onReload;
    watchFile(this.options.crl, { interval: intervalMs }, () => void this.reload());
  }

  close(): void {
    unwatchFile(this.options.crl);
  }

  async reload(): Promise<void> {
    let pem: string;
    let state: Awaited<ReturnType<typeof readCrls>>;
    try {
      pem = readFileSync(this.options.crl, 'utf8');
      if (pem === this.crlPem) return;
      state = await readCrls(pem, this.issuers());
      // Checked after the await and accepted without another: two overlapping reloads cannot both pass against the
      // same floor and leave the older CRL in force.
      const rollback = crlRollback(this.floor, state.crls, this.inForce);
      if (rollback !== undefined) throw new KeyMaterialInvalidError(rollback);
    } catch (error) {
      // A torn, forged or older CRL is refused; the previous one stays in force.
      this.options.logger.warn(
        `CRL ${this.options.crl} refused, keeping the previous one: ${(error as Error).message}`,
      );
      return;
    }
    try {
      this.accept(pem, state);
    } catch (error) {
      // The CRL is valid and newer: serving it matters more than remembering it across a restart.
      this.options.logger.warn(`CRL state file not written: ${(error as Error).message}`);
    }
    this.onReload?.(this.secureContextOptions());
    this.options.logger.log(
      `CRL reloaded: ${state.revoked.size} revoked certificates, valid until ${state.nextUpdate?.toISOString() ?? '(no nextUpdate)'}`,
    );
  }

  /** Puts a verified CRL in force and raises the floor (saved last: a failed write leaves the CRL in force). */
  private accept(pem: string, state: CrlState): void {
    this.crlPem = pem;
    this.revoked = state.revoked;
    this.nextUpdate = state.nextUpdate;
    this.crlExpiresAt = state.nextUpdate?.getTime() ?? Number.POSITIVE_INFINITY;
    this.floor = raiseCrlFloor(this.floor, state.crls);
    this.inForce = state.crls.map((c) => c.issuerKey);
    this.generation++;
    if (this.options.crlStateFile !== undefined) writeCrlFloor(this.options.crlStateFile, this.floor);
  }

  /** When the CRL in force stops being valid (its earliest nextUpdate), for the expiry metric. */
  crlNextUpdate(): Date | undefined {
    return this.nextUpdate;
  }

  /**
   * Why the CRL in force is not fit to serve, or undefined. Past its nextUpdate, TLS (OpenSSL's CRL check) refuses
   * every client certificate with "CRL has expired": all traffic stops although nothing else is wrong, the outage
   * X-Road's operators know. The readiness probe says so by name, and the metric lets alerts fire days before.
   */
  crlProblem(now = new Date()): string | undefined {
    if (!this.nextUpdate || this.nextUpdate.getTime() > now.getTime()) return undefined;
    return (
      `CRL ${this.options.crl} expired at ${this.nextUpdate.toISOString()}: every client handshake is refused ` +
      'until a fresh CRL is published there'
    );
  }

  private issuers(): X509Certificate[] {
    return [...this.anchors, ...this.intermediates];
  }

  /**
   * The verified identity of the client on this connection (cached per connection and CRL generation).
   *
   * @throws ClientCertificateInvalidError when the connection's certificate is not (or no longer) valid, or when the
   *   CRL in force is past its nextUpdate: revocation can then not be checked, and a keep-alive connection or a resumed
   *   session must not keep what a new handshake is refused (OpenSSL's "CRL has expired").
   */
  identify(socket: TLSSocket): PeerIdentity {
    const now = Date.now();
    if (now >= this.crlExpiresAt) {
      throw new ClientCertificateInvalidError(
        `The server's CRL expired at ${new Date(this.crlExpiresAt).toISOString()}: no client certificate can be ` +
          'checked for revocation until a fresh CRL is published',
      );
    }
    const cached = this.identities.get(socket);
    // A keep-alive connection outlives nothing: its certificate's expiry applies to every request on it.
    if (cached && cached.generation === this.generation && cached.identity.notAfter.getTime() > now) {
      return cached.identity;
    }
    const peer = socket.getPeerCertificate(true);
    if (!socket.authorized || !peer || Object.keys(peer).length === 0) {
      throw new KopirError('client_certificate_invalid', 'No valid client certificate on this connection');
    }
    const fingerprint = createHash('sha256').update(peer.raw).digest('hex');
    const known = this.byFingerprint.get(fingerprint);
    if (known && known.generation === this.generation && known.identity.notAfter.getTime() > now) {
      this.identities.set(socket, known);
      return known.identity;
    }
    const identity = identityFromPeerCertificate(peer, {
      trustAnchors: this.anchors,
      intermediates: this.intermediates,
      revokedSerials: this.revoked,
    });
    const entry = { identity, generation: this.generation };
    // Bounded: an intranet has thousands of systems, not millions; a full cache simply starts again.
    if (this.byFingerprint.size >= 10_000) this.byFingerprint.clear();
    this.byFingerprint.set(fingerprint, entry);
    this.identities.set(socket, entry);
    return identity;
  }
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
