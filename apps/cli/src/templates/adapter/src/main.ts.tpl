import { runAdapter } from '@kopir/adapter-sdk';
import { __CAMEL__Adapter } from './__SYSTEM__.adapter';

// __AGENCY__/__SYSTEM__: build with `npm run build`, run `node dist/apps/adapters/__SYSTEM__/src/main.js`.
// Configuration (ADAPTER_*, KAFKA_*, FEDERATION_*): `npm run kopir -- config show adapter`. Reachable only through
// Kafka: it listens on no port.
runAdapter(__CAMEL__Adapter());
