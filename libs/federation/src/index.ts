/**
 * @kopir/federation: the signed registry of agencies, systems, services, schemas and access rules (DESIGN.md
 * "Parts"); its YAML form for people, its signed canonical form for services, validation that names line and
 * field, and a loader that refuses unsigned, tampered, expired or rolled-back documents and reloads on change.
 */
export {
  FEDERATION_JWS_TYPE,
  OFFICER_ROLES,
  OFFICER_URI_PREFIX,
  SENSITIVITY_CLASSES,
  type AccessRule,
  type Agency,
  type FederationDocument,
  type GatewayDefinition,
  type Officer,
  type OfficerRole,
  type Purpose,
  type RulePurpose,
  type Sensitivity,
  type ServiceDefinition,
  type ServiceField,
  type SystemDefinition,
  type SystemGroup,
} from './federation-document';
export { FEDERATION_SCHEMA } from './federation.schema';
export {
  FederationInvalidError,
  FederationRefusedError,
  formatProblem,
  type FederationProblem,
  type FederationRefusal,
} from './errors';
export { checkFederation, pathText, type Path, type RawProblem } from './validate-federation';
export { FederationYaml, parseFederationYaml } from './federation-yaml';
export {
  FEDERATION_ALGORITHMS,
  signFederation,
  verifyFederation,
  type SignedFederation,
  type VerifyFederationOptions,
} from './signed-federation';
export { FederationLoader, type FederationLoaderOptions, type FederationLogger } from './federation-loader';
export { serviceValidators, type ServiceValidators } from './service-validators';
export { FederationModule } from './federation.module';
export { diffFederation, type FederationChange } from './diff-federation';
export { FederationIndex, type RecipientKey } from './federation-index';
export { openFederation, type FederationSettings } from './open-federation';
export { assertSubjectBound, bodySubject } from './subject-binding';
