/** The erasure room's facade: GDPR erasure of a Connected User across every room, and its tombstones. */
export { ErasureReceipt } from './erasure.schema.ts';
export { eraseUser, erasureReceipt, userHash } from './erasure.service.ts';
export type { UserErasureTable } from './erasures.table.ts';
