import { PrismaPg } from '@prisma/adapter-pg';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateContentKey, Keyring, unwrapContentKey, wrapContentKey } from '@keyseed/crypto';
import { PrismaClient } from '@keyseed/database';

const ROOT = join(__dirname, '..', '..');
const b64 = () => randomBytes(32).toString('base64');

/**
 * Runs the real command from sources. Other suites of the run may hold keys under KEKs this one
 * does not know (reported as failed, exit 1), so stdout is returned whatever the exit code.
 */
async function rotate(kek: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', join(ROOT, 'scripts/ts-register.js'), join(ROOT, 'apps/cli/src/main.ts'), 'kek', 'rotate', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, KEYSEED_KEK: kek },
      },
    );
    return stdout;
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (e.code === 1 && e.stdout?.includes('re-wrapped:')) return e.stdout;
    throw err;
  }
}

describe('keyseed kek rotate', () => {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL! }) });
  afterAll(() => prisma.$disconnect());

  it('re-wraps every content key under the new KEK so that the new KEK alone unwraps them', async () => {
    const oldKek = b64();
    const newKek = b64();
    const oldRing = Keyring.parse(oldKek);
    const creator = await prisma.user.create({
      data: { email: `kek-${randomUUID()}@example.test`, passwordHash: 'unused', displayName: 'C', roles: ['CREATOR'] },
    });
    const bundle = await prisma.bundle.create({
      data: { slug: `kek-${randomUUID().slice(0, 8)}`, title: 'KEK', creatorId: creator.id },
    });
    const keys = new Map<string, Buffer>();
    for (let i = 0; i < 7; i++) {
      const item = await prisma.item.create({ data: { bundleId: bundle.id, path: `f${i}.mkv`, position: i } });
      const ck = generateContentKey();
      const w = wrapContentKey(oldRing, item.id, ck);
      await prisma.item.update({
        where: { id: item.id },
        data: { wrappedKey: new Uint8Array(w.wrappedKey), kekId: w.kekId, status: 'READY' },
      });
      keys.set(item.id, ck);
    }
    // A free item has no key; it must be left alone.
    await prisma.item.create({ data: { bundleId: bundle.id, path: 'free.mp4', position: 9, locked: false } });

    // The real command, from sources, with the new KEK first; small batches to cross batch edges.
    const stdout = await rotate(`${newKek},${oldKek}`, '--batch', '3');
    const newRing = Keyring.parse(newKek);
    expect(stdout).toContain('re-wrapped: 7\n');

    const rows = await prisma.item.findMany({ where: { bundleId: bundle.id, wrappedKey: { not: null } } });
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      expect(row.kekId).toBe(newRing.current.id);
      expect(unwrapContentKey(newRing, row.id, row.wrappedKey!, row.kekId!).equals(keys.get(row.id)!)).toBe(true);
    }
    expect(
      (await prisma.item.findFirstOrThrow({ where: { bundleId: bundle.id, path: 'free.mp4' } })).wrappedKey,
    ).toBeNull();

    // Re-running changes nothing for these rows.
    expect(await rotate(`${newKek},${oldKek}`)).toContain('re-wrapped: 0\n');
  }, 120_000);
});
