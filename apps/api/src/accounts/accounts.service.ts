import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import {
  hashPassword,
  hashTokenSecret,
  newTokenSecret,
  tokenPrefix,
  verifyPassword,
  TokenKindName,
} from '@keyseed/auth';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { ApiToken, Prisma, PrismaService, User } from '@keyseed/database';
import { RegisterDto } from './dtos/register.dto';
import { SessionView, TokenView, UserView } from './dtos/account.responses';

// A fixed hash to verify against when the e-mail is unknown, so timing does not reveal accounts.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

@Injectable()
export class AccountsService {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  async register(dto: RegisterDto): Promise<SessionView> {
    const email = dto.email.trim().toLowerCase();
    try {
      const user = await this.prisma.user.create({
        data: {
          email,
          displayName: dto.displayName.trim(),
          passwordHash: await hashPassword(dto.password),
          roles: dto.roles ?? ['BUYER'],
        },
      });
      return this.openSession(user);
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new ConflictException('an account with this email already exists');
      }
      throw err;
    }
  }

  async login(email: string, password: string): Promise<SessionView> {
    const user = await this.prisma.user.findUnique({ where: { email: email.trim().toLowerCase() } });
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabledAt) throw new UnauthorizedException('email or password is wrong');
    return this.openSession(user);
  }

  async revoke(userId: string, tokenId: string): Promise<void> {
    const { count } = await this.prisma.apiToken.updateMany({
      where: { id: tokenId, userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) {
      const exists = await this.prisma.apiToken.findFirst({ where: { id: tokenId, userId } });
      if (!exists) throw new NotFoundException(`token ${tokenId} not found`);
    }
  }

  /** Ends every other login session of the account: whoever knew the old password is logged out. */
  async changePassword(userId: string, keepTokenId: string, currentPassword: string, newPassword: string) {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    if (!(await verifyPassword(currentPassword, user.passwordHash)))
      throw new BadRequestException('currentPassword is wrong');
    const passwordHash = await hashPassword(newPassword);
    await this.prisma.$transaction([
      this.prisma.user.update({ where: { id: userId }, data: { passwordHash } }),
      this.prisma.apiToken.updateMany({
        where: { userId, kind: 'SESSION', revokedAt: null, id: { not: keepTokenId } },
        data: { revokedAt: new Date() },
      }),
    ]);
  }

  async createPersonalToken(userId: string, name: string, expiresInDays?: number) {
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const { secret, token } = await this.issue(userId, 'PERSONAL', name, expiresAt);
    return { ...tokenView(token), token: secret };
  }

  async listPersonalTokens(userId: string): Promise<TokenView[]> {
    const tokens = await this.prisma.apiToken.findMany({
      where: { userId, kind: 'PERSONAL' },
      orderBy: { createdAt: 'desc' },
    });
    return tokens.map(tokenView);
  }

  async me(userId: string): Promise<UserView> {
    return userView(await this.prisma.user.findUniqueOrThrow({ where: { id: userId } }));
  }

  private async openSession(user: User): Promise<SessionView> {
    const expiresAt = new Date(Date.now() + this.config.SESSION_TTL_HOURS * 3_600_000);
    const { secret } = await this.issue(user.id, 'SESSION', 'login', expiresAt);
    return { user: userView(user), token: secret, expiresAt };
  }

  private async issue(userId: string, kind: TokenKindName, name: string, expiresAt: Date | null) {
    const secret = newTokenSecret(kind);
    const token = await this.prisma.apiToken.create({
      data: { userId, kind, name, prefix: tokenPrefix(secret), tokenHash: hashTokenSecret(secret), expiresAt },
    });
    return { secret, token };
  }
}

export function userView(u: User): UserView {
  return { id: u.id, email: u.email, displayName: u.displayName, roles: u.roles, createdAt: u.createdAt };
}

function tokenView(t: ApiToken): TokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
  };
}
