export { OpsServer, type Maintenance, type ReadinessCheck } from './ops-server';
