import { readFileSync } from 'node:fs';
import { loadPublicKey } from '@kopir/pki';
import type { SignedFederation } from './signed-federation';
import { FederationLoader, type FederationLogger } from './federation-loader';

/** The parsed `federationConfigSpec` of libs/config (FEDERATION_FILE, FEDERATION_AUTHORITY_PUBLIC_KEY, ...). */
export interface FederationSettings {
  readonly file: string;
  readonly authorityPublicKey: string;
  readonly name: string;
  readonly stateFile?: string | undefined;
}

/**
 * What every Köpir service does at start with the federation document: load it under the authority's key (the
 * trust anchor, read from its own file, never from the document), refuse it if unusable, and watch it for changes.
 */
export async function openFederation(
  settings: FederationSettings,
  options: {
    readonly logger: FederationLogger;
    readonly onChange?: (next: SignedFederation, previous: SignedFederation | undefined) => void;
  },
): Promise<FederationLoader> {
  const loader = new FederationLoader({
    path: settings.file,
    authorityKey: loadPublicKey(readFileSync(settings.authorityPublicKey, 'utf8')),
    federation: settings.name,
    ...(settings.stateFile === undefined ? {} : { stateFile: settings.stateFile }),
    logger: options.logger,
    ...(options.onChange ? { onChange: options.onChange } : {}),
  });
  await loader.load();
  loader.watch();
  return loader;
}
