import { unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { VerificationKey } from '@kopir/envelope';
import { KopirError } from '@kopir/contracts';
import { FederationRefusedError } from './errors';
import { verifyFederation, type SignedFederation } from './signed-federation';

/** Where the loader reports (Nest's Logger fits; tests pass their own). */
export interface FederationLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface FederationLoaderOptions {
  /** The signed document (compact JWS), e.g. data/federation/federation.jws. */
  readonly path: string;
  /** The federation authority's public key (or a resolver by `kid`): the trust anchor, never taken from the file. */
  readonly authorityKey: VerificationKey;
  /** Refuse documents of another federation. */
  readonly federation?: string;
  /**
   * A small file in which the loader records the highest version it accepted, so that a restart does not reopen the
   * door to a rollback (an attacker replacing the file with an older, validly signed document while the service is
   * down). Without it, rollback is refused only within one process lifetime.
   */
  readonly stateFile?: string;
  /** Called after a new document is in force (compile the access policy here). A throw is logged, not fatal. */
  readonly onChange?: (next: SignedFederation, previous: SignedFederation | undefined) => void;
  readonly logger?: FederationLogger;
  readonly clock?: () => number;
  /** Wait for writes to settle after a file event before reloading. */
  readonly debounceMs?: number;
  /**
   * How often the file is also stat'ed (following symlinks) for a change the folder's events do not name: a
   * Kubernetes ConfigMap or Secret volume swaps its `..data` symlink, so the event names `..data`, never the file;
   * network file systems send no events at all. Default 5 s.
   */
  readonly pollMs?: number;
}

const silent: FederationLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Keeps the federation document in force and replaces it when its file changes. Every new document is verified in
 * full (signature, structure, expiry, version) before it replaces the old one in a single reference swap: requests
 * in flight keep the document they started with, new requests see the new one, none is dropped. A bad document is
 * refused with a log line and the old one stays in force.
 */
export class FederationLoader {
  private state: SignedFederation | undefined;
  private watcher: FSWatcher | undefined;
  private poll: ((now: Stats, before: Stats) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private floor: { version: number; digest: string } | undefined;
  private readonly logger: FederationLogger;
  private readonly clock: () => number;

  constructor(private readonly options: FederationLoaderOptions) {
    this.logger = options.logger ?? silent;
    this.clock = options.clock ?? Date.now;
  }

  /** Loads the document at start; throws (FederationRefusedError / FederationInvalidError) when it is unusable. */
  async load(): Promise<SignedFederation> {
    this.floor = await this.readFloor();
    const next = await this.read();
    this.swap(next);
    await this.writeFloor(next);
    return next;
  }

  /** The document in force (throws if none was loaded). */
  get current(): SignedFederation {
    if (this.state === undefined) throw new FederationRefusedError('unsigned', 'No federation document is loaded');
    return this.state;
  }

  /**
   * Throws FederationRefusedError('expired') when the document in force has expired at `now`: services then refuse
   * requests with a message that says so, rather than decide on rules nobody re-signed.
   */
  assertInForce(now = this.clock()): SignedFederation {
    const current = this.current;
    if (now >= current.expiresAt) {
      throw new FederationRefusedError(
        'expired',
        `The federation document version ${current.version} expired at ${current.document.expiresAt}`,
      );
    }
    return current;
  }

  /**
   * Reads the file again and puts it in force if it is acceptable and new. Resolves to true when the document
   * changed; never rejects (a refusal is logged and the old document stays in force). Reloads run one at a time.
   */
  reload(): Promise<boolean> {
    const run = this.queue.then(async () => {
      try {
        const next = await this.read();
        if (this.state !== undefined && next.digest === this.state.digest) return false;
        if (!this.swap(next)) return false;
        await this.writeFloor(next);
        return true;
      } catch (error) {
        const kept =
          this.state === undefined ? 'no document is in force' : `version ${this.state.version} stays in force`;
        this.logger.error(`Refused federation document ${this.options.path}: ${(error as Error).message}; ${kept}`);
        return false;
      }
    });
    this.queue = run;
    return run;
  }

  /**
   * Watches the file's folder (so an atomic rename-over is seen, not only in-place writes), and stats the file every
   * `pollMs` (a symlink swapped as Kubernetes updates a mounted ConfigMap, a network file system), and reloads after
   * each change. Call close() to stop.
   */
  watch(): void {
    if (this.watcher !== undefined) return;
    const name = basename(this.options.path);
    const soon = (): void => {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.reload();
      }, this.options.debounceMs ?? 50);
    };
    this.watcher = watch(dirname(this.options.path), (_event, filename) => {
      if (filename !== null && filename !== name) return;
      soon();
    });
    this.watcher.on('error', (error) => this.logger.error(`Watching ${this.options.path} failed: ${error.message}`));
    // The same file reached another way (a swapped symlink, a remote write): its identity, size or time changed.
    this.poll = (now: Stats, before: Stats): void => {
      if (now.ino !== before.ino || now.size !== before.size || now.mtimeMs !== before.mtimeMs) soon();
    };
    watchFile(this.options.path, { interval: this.options.pollMs ?? 5000, persistent: false }, this.poll);
    // A change between load() and now was seen by neither: read once more (the same document changes nothing).
    soon();
  }

  /** Stops watching; waits for a reload under way. */
  async close(): Promise<void> {
    // This loader's listener only: another loader of the same file in this process keeps its own.
    if (this.poll !== undefined) unwatchFile(this.options.path, this.poll);
    this.poll = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.queue;
  }

  private async read(): Promise<SignedFederation> {
    const text = await readFile(this.options.path, 'utf8');
    const current = this.state ?? this.floor;
    const next = await verifyFederation(text, this.options.authorityKey, {
      now: this.clock(),
      ...(this.options.federation === undefined ? {} : { federation: this.options.federation }),
      ...(current === undefined ? {} : { current: { version: current.version, digest: current.digest } }),
    });
    return next;
  }

  /**
   * Puts `next` in force once the service has applied it (onChange: compiled its rules, its keys): a document the
   * service cannot apply is never the one in force, so what the service enforces and the version it reports (and
   * checks for expiry) are always the same document. Such a document leaves the previous one in force with an error,
   * or, at start, refuses to start. Only a document put in force raises the rollback floor (the caller records it
   * after this returns true): a version the service could not apply must not stop it at its next start.
   */
  private swap(next: SignedFederation): boolean {
    const previous = this.state;
    try {
      this.options.onChange?.(next, previous);
    } catch (error) {
      const why = `Federation document version ${next.version} cannot be applied: ${(error as Error).message}`;
      if (previous === undefined) throw new KopirError('config_invalid', why, { cause: error });
      this.logger.error(`${why}; version ${previous.version} stays in force`);
      return false;
    }
    this.state = next;
    const from = previous === undefined ? '' : ` (was version ${previous.version})`;
    this.logger.log(`Federation document version ${next.version} in force${from}, expires ${next.document.expiresAt}`);
    return true;
  }

  private async readFloor(): Promise<{ version: number; digest: string } | undefined> {
    if (this.options.stateFile === undefined) return undefined;
    try {
      const value = JSON.parse(await readFile(this.options.stateFile, 'utf8')) as {
        version?: unknown;
        digest?: unknown;
      };
      if (typeof value.version === 'number' && typeof value.digest === 'string') {
        return { version: value.version, digest: value.digest };
      }
      this.logger.warn(`Ignoring malformed federation state file ${this.options.stateFile}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return undefined;
  }

  private async writeFloor(next: SignedFederation): Promise<void> {
    const file = this.options.stateFile;
    if (file === undefined) return;
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ version: next.version, digest: next.digest })}\n`);
    await rename(tmp, file);
  }
}
