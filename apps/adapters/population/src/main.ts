import { runAdapter } from '@kopir/adapter-sdk';
import { loadConfig, registriesConfigSpec } from '@kopir/config';
import { populationAdapter } from './population.adapter';

// mju/population: started by `kopir up` (dist/apps/adapters/population/src/main.js); configuration in
// docs/integrators.md. Reachable only through Kafka.
runAdapter(populationAdapter({ dataDir: loadConfig('registries', registriesConfigSpec).dataDir }));
