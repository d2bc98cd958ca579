/** The secrets room's facade: sealing values at rest and knowing which encryption keys they need. */
export {
  checkEncryptionKeys, forgetEncryptionKey, listEncryptionKeys, retireKeysOtherThanCurrent, sealSecret,
} from './encryption-keys.service.ts';
export type { RecordedKey, SealedSample, SealedSampleProbe } from './encryption-keys.service.ts';
