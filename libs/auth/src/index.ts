export { hashPassword, verifyPassword } from './passwords';
export { newTokenSecret, hashTokenSecret, tokenPrefix, TokenKindName } from './tokens';
export { ensureAdmin, EnsureAdminResult } from './admin-bootstrap';
