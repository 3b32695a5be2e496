import { runAdapter } from '@kopir/adapter-sdk';
import { loadConfig, registriesConfigSpec } from '@kopir/config';
import { vehiclesAdapter } from './vehicles.adapter';

// mia/vehicles: started by `kopir up` (dist/apps/adapters/vehicles/src/main.js); configuration in
// docs/integrators.md. Reachable only through Kafka.
runAdapter(vehiclesAdapter({ dataDir: loadConfig('registries', registriesConfigSpec).dataDir }));
