import { runAdapter } from '@kopir/adapter-sdk';
import { loadConfig, registriesConfigSpec } from '@kopir/config';
import { taxAdapter } from './tax.adapter';

// src/tax: started by `kopir up` (dist/apps/adapters/tax/src/main.js); configuration in docs/integrators.md.
// Reachable only through Kafka.
runAdapter(taxAdapter({ dataDir: loadConfig('registries', registriesConfigSpec).dataDir }));
