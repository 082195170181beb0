import type { PrismaClient } from '@keyseed/database';
import { hashPassword } from './passwords';

export interface EnsureAdminResult {
  userId: string;
  created: boolean;
}

/**
 * Makes `email` an admin: creates the account with `password` when it does not exist, or adds
 * the ADMIN role to an existing one (its password is then left alone). Used by
 * `keyseed admin create` and the ADMIN_EMAIL/ADMIN_PASSWORD bootstrap.
 */
export async function ensureAdmin(
  prisma: PrismaClient,
  email: string,
  password: string | undefined,
  displayName = 'Administrator',
): Promise<EnsureAdminResult> {
  const normalized = email.trim().toLowerCase();
  const existing = await prisma.user.findUnique({ where: { email: normalized } });
  if (existing) {
    if (!existing.roles.includes('ADMIN')) {
      await prisma.user.update({ where: { id: existing.id }, data: { roles: { set: [...existing.roles, 'ADMIN'] } } });
    }
    return { userId: existing.id, created: false };
  }
  if (!password || password.length < 12) throw new Error('a new admin needs a password of at least 12 characters');
  const user = await prisma.user.create({
    data: {
      email: normalized,
      passwordHash: await hashPassword(password),
      displayName,
      roles: ['ADMIN', 'CREATOR', 'BUYER'],
    },
  });
  await prisma.auditLog.create({
    data: {
      actorId: null,
      action: 'admin.bootstrap',
      targetType: 'user',
      targetId: user.id,
      details: { email: normalized },
    },
  });
  return { userId: user.id, created: true };
}
